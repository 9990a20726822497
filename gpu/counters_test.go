//go:build cuda

package gpu

import (
	"testing"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// stepCounts is the device work of one training step of a preset model at
// batch 64, Adam, resident batches as the trainer feeds them (the first step,
// which makes the cuDNN plans, is left out).
func stepCounts(t *testing.T, b *Backend, preset string) engine.Counts {
	t.Helper()
	const batch, steps = 64, 3
	m, err := engine.Presets[preset].Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(b, engine.CategoricalCrossEntropy, batch); err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	batches, err := engine.OpenBatches(b, conformance.SyntheticDigits(batch*steps, 1), nil, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer batches.Free()
	batches.SetPass(0, nil)
	opt := engine.NewAdam(1e-3)
	m.TrainStep(opt, batches, 0, batch)
	before := b.Counts()
	for s := 1; s < steps; s++ {
		m.TrainStep(opt, batches, s*batch, batch)
	}
	per := b.Counts().Sub(before)
	for _, f := range []*int64{&per.Kernels, &per.LibraryCalls, &per.Copies, &per.GraphLaunches, &per.HostSyncs} {
		if *f%(steps-1) != 0 {
			t.Fatalf("%s: steps differ in their work: %+v over %d steps", preset, per, steps-1)
		}
		*f /= steps - 1
	}
	return per
}

// cnnKernels is a CNN step's launches with each of its backward convolution
// passes one own kernel (cnnConvExtra adds what other algorithms cost):
// forward gather_batch, 2 convolutions with their bias, activation and pool
// in one kernel each (conv_fprop_…), 2 dense SGEMMs,
// bias_activation_forward, bias_softmax_cross_entropy_metrics (with the last
// bias and its gradient); backward 4 dense SGEMMs,
// activation_backward_bias_grad, 2 × maxpool_argmax_activation_backward_bias_grad,
// 3 convolution passes; adam_step. cnnLibraryCalls of them are cuBLAS
// calls, the dense SGEMMs.
const (
	cnnKernels      = 18
	cnnLibraryCalls = 6
)

// TestStepCounts pins the launches and waits of a training step, so a change
// that adds a launch or a host sync to the step shows here. `go test -tags
// cuda -run TestStepCounts -v ./gpu/` under the stand-in prints them.
func TestStepCounts(t *testing.T) {
	b := device(t)
	for _, c := range []struct {
		preset string
		want   engine.Counts
	}{
		{"cnn", engine.Counts{Kernels: cnnKernels, LibraryCalls: cnnLibraryCalls, Copies: 2}},
		{"mlp", engine.Counts{Kernels: 10, LibraryCalls: 5, Copies: 1}},
	} {
		got := stepCounts(t, b, c.preset)
		if c.preset == "cnn" {
			extra := cnnConvExtra(t, b, 64)
			c.want.Kernels += extra.Kernels
			c.want.LibraryCalls += extra.LibraryCalls
		}
		t.Logf("%s, batch 64, per step: %d kernels (%d of them cuBLAS/cuDNN calls), %d copies/fills, %d graph launches, %d host syncs",
			c.preset, got.Kernels, got.LibraryCalls, got.Copies, got.GraphLaunches, got.HostSyncs)
		if got != c.want {
			t.Errorf("%s step: %+v, want %+v", c.preset, got, c.want)
		}
	}
}
