package engine

import (
	"strings"
	"testing"
)

// TestSummaryNamesLeakyReLUAsKeras: a model file's LeakyReLU layer was
// listed as "activation_1 (Activation)", and the Activation layer after it
// as activation_2, where Keras prints leaky_re_lu_1 (LeakyReLU) and
// activation_1. The layer is still recorded as the Activation of
// leaky_relu it computes, so a run recorded before is the same network.
func TestSummaryNamesLeakyReLUAsKeras(t *testing.T) {
	s, err := ParseModelSpec("m.json", []byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":8},`+
		`{"type":"LeakyReLU","alpha":0.1},{"type":"Dense","units":10},{"type":"Activation","activation":"softmax"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	sum := m.Summary()
	for _, want := range []string{" leaky_re_lu_1 (LeakyReLU) ", " activation_1 (Activation) "} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if l := m.Spec().Layers[2]; l.Type != "Activation" || l.Activation != "leaky_relu" || l.Alpha != 0.1 {
		t.Errorf("recorded as %+v, want the Activation of leaky_relu with alpha 0.1", l)
	}
	before := ModelSpec{InputShape: []int{28, 28, 1}, Layers: []LayerSpec{{Type: "Flatten"}, {Type: "Dense", Units: 8},
		{Type: "Activation", Name: "activation_1", Activation: "leaky_relu", Alpha: 0.1}, {Type: "Dense", Units: 10},
		{Type: "Activation", Name: "activation_2", Activation: "softmax"}}}
	if d := before.ArchitectureDiff(s); d != "" {
		t.Errorf("a record of the network written before differs: %s", d)
	}
}
