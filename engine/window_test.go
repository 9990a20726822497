package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWindowTakesOneInteger: "kernel_size": 3, "strides": 2 and
// "pool_size": 2, as Keras takes them, were refused ("cannot unmarshal
// number into Go struct field"); they build the network of [3, 3], [2, 2]
// and [2, 2], recorded as lists. A window of another type is refused
// naming the fields.
func TestWindowTakesOneInteger(t *testing.T) {
	model := func(conv, pool string) string {
		return `{"input_shape":[28,28,1],"layers":[{"type":"Conv2D","filters":4,` + conv + `},{"type":"MaxPooling2D",` + pool + `},{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`
	}
	ints, err := ParseModelSpec("ints.json", []byte(model(`"kernel_size":3,"strides":2`, `"pool_size":2`)))
	if err != nil {
		t.Fatal(err)
	}
	lists, err := ParseModelSpec("lists.json", []byte(model(`"kernel_size":[3,3],"strides":[2,2]`, `"pool_size":[2,2]`)))
	if err != nil {
		t.Fatal(err)
	}
	if d := lists.ArchitectureDiff(ints); d != "" {
		t.Errorf("integers build another network than lists: %s", d)
	}
	m, err := ints.Build()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.shapes[1].String(); got != "(None, 6, 6, 4)" {
		t.Errorf("the pool's output is %s, want Keras's (None, 6, 6, 4)", got)
	}
	raw, _ := json.Marshal(m.Spec())
	if !strings.Contains(string(raw), `"kernel_size":[3,3],"strides":[2,2]`) {
		t.Errorf("recorded as %s, want the kernel and strides as lists", raw)
	}
	for _, bad := range []string{`"kernel_size":"3"`, `"kernel_size":3.5`, `"kernel_size":[3,"3"]`} {
		_, err := ParseModelSpec("bad.json", []byte(model(bad, `"pool_size":2`)))
		if err == nil || !strings.Contains(err.Error(), "kernel_size, strides and pool_size take an integer or a list of integers") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
