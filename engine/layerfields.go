package engine

import (
	"fmt"
	"slices"
	"strings"
)

// layerFields are the fields of a model file's layer that each layer type
// reads (besides type and name). A field another type reads was dropped
// in silence: {"type": "MaxPooling2D", "activation": "relu"} pooled
// without the ReLU, a Flatten's "units" made no layer. Keras refuses such
// arguments too. "alpha" is left to the activation: the --activation flag
// may replace a leaky_relu and keep its slope.
var layerFields = map[string][]string{
	"Conv2D":       {"filters", "kernel_size", "strides", "padding", "activation", "alpha"},
	"MaxPooling2D": {"pool_size", "strides", "padding"},
	"Flatten":      {},
	"Dense":        {"units", "activation", "alpha"},
	"Activation":   {"activation", "alpha"},
	"LeakyReLU":    {"alpha"},
	"Dropout":      {"rate"},
}

// checkFields refuses a field set that ls's type does not read.
func (ls LayerSpec) checkFields() error {
	reads, ok := layerFields[ls.Type]
	if !ok {
		return nil // an unknown type: layer says so
	}
	given := map[string]bool{
		"filters": ls.Filters != 0, "kernel_size": ls.KernelSize != nil, "strides": ls.Strides != nil,
		"padding": ls.Padding != "", "pool_size": ls.PoolSize != nil, "units": ls.Units != 0,
		"activation": ls.Activation != "", "alpha": ls.Alpha != 0, "rate": ls.Rate != 0,
	}
	for _, f := range []string{"filters", "kernel_size", "strides", "padding", "pool_size", "units", "activation", "alpha", "rate"} {
		if given[f] && !slices.Contains(reads, f) {
			if len(reads) == 0 {
				return fmt.Errorf("%s has no %q (it takes no fields besides type and name)", ls.Type, f)
			}
			return fmt.Errorf("%s has no %q (its fields: %s)", ls.Type, f, strings.Join(reads, ", "))
		}
	}
	return nil
}
