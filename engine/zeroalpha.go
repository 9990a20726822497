package engine

import (
	"encoding/json"
	"fmt"
	"strings"
)

// checkZeroAlpha refuses a layer of a model file that gives "alpha": 0. A
// LayerSpec cannot tell a slope of 0 from none (the field is omitted when
// zero, and encoding/json matches keys in any case), so the layer was built with the default slope (LeakyReLU's 0.3,
// activation="leaky_relu"'s 0.2): a value given, silently replaced. A
// slope of 0 is ReLU, which the file can say.
func checkZeroAlpha(raw []byte) error {
	for i, l := range fileLayers(raw) {
		for key, a := range l {
			var alpha float64
			if strings.EqualFold(key, "alpha") && json.Unmarshal(a, &alpha) == nil && alpha == 0 {
				return fmt.Errorf(`layer %d: "alpha": 0 is a slope of 0, which is ReLU: give "activation": "relu" (an alpha of 0 is read as none, the default slope)`, i+1)
			}
		}
	}
	return nil
}

// fileLayers is a model file's layers as written, each key's raw value,
// for the checks that need what a LayerSpec cannot tell (a field given as
// zero or left out); none where the file does not decode, which the full
// decode reports.
func fileLayers(raw []byte) []map[string]json.RawMessage {
	var s struct {
		Layers []map[string]json.RawMessage `json:"layers"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s.Layers
}
