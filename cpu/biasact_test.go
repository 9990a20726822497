package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
)

// TestFusedBiasActivationMatchUnfused: the one-pass bias + activation kernels
// give the separate calls' results bit for bit (several bias blocks and runs,
// partial last ones, 1 and 3 threads).
func TestFusedBiasActivationMatchUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, sz := range [][2]int{{1, 10}, {64, 128}, {1300, 32}, {700, 10}, {3, 3000}} {
		rows, cols := sz[0], sz[1]
		n := rows * cols
		for _, f := range []engine.Activation{engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
			for _, threads := range []int{1, 3} {
				be, err := NewWithOptions(engine.Options{Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%dx%d %v threads=%d", rows, cols, f, threads)
				z0, bias, dy := randSlice(r, n), randSlice(r, cols), randSlice(r, n)
				z1, z2 := append([]float32(nil), z0...), append([]float32(nil), z0...)
				y1, y2 := make([]float32, n), make([]float32, n)
				be.BiasAdd(rows, cols, Wrap(z1), Wrap(bias))
				be.ActivationForward(f, 0.2, n, Wrap(z1), Wrap(y1))
				be.biasActivationForward(f, 0.2, rows, cols, Wrap(z2), Wrap(bias), Wrap(y2))
				sameBits(t, name+" z", z2, z1)
				sameBits(t, name+" y", y2, y1)
				dz1, dz2 := make([]float32, n), make([]float32, n)
				db1, db2 := make([]float32, cols), make([]float32, cols)
				be.ActivationBackward(f, 0.2, n, Wrap(z1), Wrap(y1), Wrap(dy), Wrap(dz1))
				be.BiasGrad(rows, cols, Wrap(dz1), Wrap(db1))
				be.activationBackwardBiasGrad(f, 0.2, rows, cols, Wrap(z1), Wrap(y1), Wrap(dy), Wrap(dz2), Wrap(db2))
				sameBits(t, name+" dz", dz2, dz1)
				sameBits(t, name+" db", db2, db1)
			}
		}
	}
}
