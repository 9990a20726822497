package tensors_test

import (
	"fmt"
	"sort"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/tensors"
)

// A model's weights out as gorgonia tensors in Keras layout, changed, and
// back in; a batch of a data set as tensors.
func Example() {
	m, err := engine.Presets["mlp"].Build()
	if err != nil {
		panic(err)
	}
	if err := m.Compile(cpu.New(), engine.CategoricalCrossEntropy, 32); err != nil {
		panic(err)
	}
	m.Init(1)

	ws := tensors.Weights(m)
	names := make([]string, 0, len(ws))
	for name := range ws {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Println(name, ws[name].Shape())
	}

	bias := ws["dense_2.bias"].Data().([]float32)
	bias[3] = 0.5
	if err := tensors.SetWeights(m, ws); err != nil {
		panic(err)
	}
	fmt.Println("dense_2.bias[3] =", tensors.Weights(m)["dense_2.bias"].Data().([]float32)[3])

	d := engine.Dataset{Images: make([]uint8, 5*784), Labels: []uint8{0, 1, 2, 3, 4}, Shape: engine.Shape{28, 28, 1}, Classes: 10}
	x, t := tensors.Batch(d, []int{4, 2})
	fmt.Println("x", x.Shape(), "t", t.Shape())
	// Output:
	// dense_1.bias (128)
	// dense_1.kernel (784, 128)
	// dense_2.bias (10)
	// dense_2.kernel (128, 10)
	// dense_2.bias[3] = 0.5
	// x (2, 28, 28, 1) t (2, 10)
}
