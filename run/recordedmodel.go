package run

import (
	"fmt"

	"mnistgpu/engine"
)

// A run's state records the network it trains (stored.Network), since its
// Config names a model file only by its path: a resume after that file was
// edited went on training another network from the old one's weights (a
// sigmoid for a ReLU, of the same shapes), and evaluated the best
// checkpoint with it.

// checkRecordedModel refuses to continue the run of state ck with model m,
// built now from --model name, when m is not the network the run recorded.
// A state of an earlier version records none and passes.
func checkRecordedModel(ck *engine.TrainCheckpoint, m *engine.Model, name string) error {
	s, err := decodeStored(ck.Config)
	if err != nil || s.Network == nil {
		return nil // newRecord reports a state that does not decode
	}
	if d := s.Network.ArchitectureDiff(m.Spec()); d != "" {
		return &ValueError{Flag: "model", Msg: fmt.Sprintf("%s now describes another network than the run was trained with "+
			"(%s, recorded vs now): restore the file, or start a new run with another --out", name, d)}
	}
	return nil
}
