package run

import (
	"fmt"
	"strconv"
	"strings"

	"mnistgpu/engine"
)

// --activation replaces the activations of the hidden Conv2D, Dense and
// Activation layers (engine.ModelSpec.WithHiddenActivation). On a model
// file whose hidden layers have none (linear), or whose hidden activation
// is a LeakyReLU layer, it changed nothing, or not all of them, and the
// run recorded the flag as if it had: a sigmoid run over LeakyReLU layers
// trained the leaky network.

// CheckActivationApplies refuses --activation a on the model name where it
// has nothing to replace, or would leave a LeakyReLU layer: train's
// Validate, and bench and summary, which build the model they are given.
func CheckActivationApplies(name, a string) error {
	if a == "" {
		return nil
	}
	spec, err := engine.LoadModelSpec(name)
	if err != nil {
		return nil // Validate names the model's own error
	}
	replaced, leaky := spec.ActivationTargets()
	switch {
	case len(leaky) > 0:
		return &ValueError{Flag: "activation", Msg: fmt.Sprintf("%s would leave the LeakyReLU %s of %s as %s (it replaces the activations of Conv2D, Dense and Activation layers): "+
			`write %s {"type": "Activation", "activation": "leaky_relu", "alpha": A}, which --activation replaces, or leave --activation out (beside --config: --activation "")`,
			a, layerList(leaky), name, pronoun(leaky, "it is", "they are"), pronoun(leaky, "it as", "them as"))}
	case len(replaced) == 0:
		return &ValueError{Flag: "activation", Msg: fmt.Sprintf("%s has nothing to replace: %s has no hidden layer with an activation (its hidden layers are linear, or it has none): "+
			"leave --activation out (beside --config: --activation \"\"), or give one in the model file", a, name)}
	}
	return nil
}

// layerList is "layer 3" or "layers 3 and 5" (1-based).
func layerList(layers []int) string {
	s := make([]string, len(layers))
	for i, l := range layers {
		s[i] = strconv.Itoa(l)
	}
	if len(s) == 1 {
		return "layer " + s[0]
	}
	return "layers " + strings.Replace(joinOr(s), " or ", " and ", 1)
}

func pronoun(list []int, one, many string) string {
	if len(list) == 1 {
		return one
	}
	return many
}
