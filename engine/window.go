package engine

import (
	"encoding/json"
	"fmt"
)

// Window is a layer's kernel_size, strides or pool_size: one integer for
// both sides, as Keras takes it (kernel_size=3, Conv2D(32, 3)), or a list
// of one or two. A model file's "kernel_size": 3 was refused ("cannot
// unmarshal number into Go struct field ... of type []int") where Keras
// builds a 3×3 kernel. It is written back as a list.
type Window []int

// UnmarshalJSON reads an integer as a list of one; null leaves the window
// unset, as a missing field does.
func (w *Window) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var n int
	if json.Unmarshal(b, &n) == nil {
		*w = Window{n}
		return nil
	}
	var v []int
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("kernel_size, strides and pool_size take an integer or a list of integers, got %s", b)
	}
	*w = v
	return nil
}
