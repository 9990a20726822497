package engine

import (
	"encoding/json"
	"fmt"
	"strings"
)

// checkWrittenFields refuses a layer of a user's model file that builds a
// layer doing nothing it was asked for, each trained in silence before:
// a Dropout without "rate" (a rate of 0, which drops nothing), an
// Activation without "activation" (linear, the identity), and an "alpha"
// on a Conv2D, Dense or Activation whose activation is not leaky_relu
// (no other activation reads a slope). Keras refuses the first two (both
// arguments are required) and the third (neither layer takes alpha).
// An explicit "rate": 0 or "activation": "linear" is a value given and
// is built as written.
//
// It reads the file as the user wrote it, not a LayerSpec, which cannot
// tell a rate of 0 from none; and it is LoadModelSpec's alone: the model a
// weights file or a state records is written from a built model, which
// leaves a zero rate out and keeps a slope that --activation replaced.
func checkWrittenFields(raw []byte) error {
	for i, l := range fileLayers(raw) {
		var typ, act string
		field(l, "type", &typ)
		hasAct := field(l, "activation", &act)
		switch {
		case typ == "Dropout" && !field(l, "rate", new(float64)):
			return fmt.Errorf(`layer %d (Dropout): no "rate": give the fraction of its inputs to drop ("rate": 0 drops none; Keras's Dropout has no default)`, i+1)
		case typ == "Activation" && !hasAct:
			return fmt.Errorf(`layer %d (Activation): no "activation": name the activation it applies (Keras's Activation has no default)`, i+1)
		case typ != "LeakyReLU" && field(l, "alpha", new(float64)) && act != "leaky_relu":
			if !hasAct {
				act = "none, which is linear"
			}
			return fmt.Errorf(`layer %d (%s): "alpha" is the slope of leaky_relu, which no other activation reads, and its "activation" is %s: `+
				`give "activation": "leaky_relu" for a leaky ReLU of that slope, or leave "alpha" out`, i+1, typ, quoteOr(act, hasAct))
		}
	}
	return nil
}

// LoadRecordedModelSpec is LoadModelSpec for the model file of a run
// recorded before checkWrittenFields refused its layers (a resumed run, a
// recorded study's cells): it builds them as they were built then, rate 0,
// linear, the slope unread, so that the run goes on as it ran. A new run
// of the file is still refused (LoadModelSpec).
func LoadRecordedModelSpec(nameOrPath string) (ModelSpec, error) {
	return loadModelSpec(nameOrPath, false)
}

// field reports whether layer l writes key (in any case, as encoding/json
// matches it) with a value other than null, decoding it into v.
func field(l map[string]json.RawMessage, key string, v any) bool {
	for k, raw := range l {
		if strings.EqualFold(k, key) && strings.TrimSpace(string(raw)) != "null" {
			return json.Unmarshal(raw, v) == nil
		}
	}
	return false
}

func quoteOr(s string, quote bool) string {
	if quote {
		return fmt.Sprintf("%q", s)
	}
	return s
}
