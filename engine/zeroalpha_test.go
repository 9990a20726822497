package engine

import (
	"strings"
	"testing"
)

// TestZeroAlphaIsRefused: "alpha": 0 built a LeakyReLU of slope 0.3 (and
// activation="leaky_relu" of 0.2), the given slope replaced in silence; it
// is refused naming the layer, while other slopes still build.
func TestZeroAlphaIsRefused(t *testing.T) {
	for _, layer := range []string{
		`{"type":"LeakyReLU","alpha":0}`,
		`{"type":"LeakyReLU","alpha":0.0}`,
		`{"type":"Dense","units":16,"activation":"leaky_relu","Alpha":0}`,
		`{"type":"Activation","activation":"leaky_relu","alpha":-0}`,
	} {
		src := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":16},` + layer + `,{"type":"Dense","units":10,"activation":"softmax"}]}`
		_, err := ParseModelSpec("m.json", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), `m.json: layer 3: "alpha": 0 is a slope of 0`) {
			t.Errorf("%s: err = %v", layer, err)
		}
	}
	s, err := ParseModelSpec("ok.json", []byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":16},{"type":"LeakyReLU","alpha":0.05},{"type":"Dense","units":10,"activation":"softmax"}]}`))
	if err != nil || s.Layers[2].Alpha != 0.05 {
		t.Errorf("alpha 0.05: %v %+v", err, s.Layers)
	}
}
