package engine

import (
	"encoding/binary"
	"fmt"
)

// notAModelFile says what raw, given as a JSON model file, is instead ("" when
// it may be one): a safetensors file (a run's weights, a checkpoint or its
// state: 8 bytes of header length, then the JSON header). `summary --model
// final.safetensors` said "json: cannot unmarshal number into Go value of
// type engine.ModelSpec".
func notAModelFile(raw []byte) string {
	if len(raw) > 8 && raw[8] == '{' && binary.LittleEndian.Uint64(raw[:8]) <= uint64(len(raw)-8) {
		return "a safetensors file (weights or a training state), not a JSON model file: " +
			"give the model file or preset it was trained from (evaluate and predict read the model a weights file stores)"
	}
	return ""
}

// modelFileKindError is the error of a model file that is some other kind
// of file, or nil.
func modelFileKindError(file string, raw []byte) error {
	if what := notAModelFile(raw); what != "" {
		return fmt.Errorf("%s: %s", file, what)
	}
	return nil
}
