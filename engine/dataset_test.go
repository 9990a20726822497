package engine

import (
	"math/rand/v2"
	"testing"
)

// Gather against the obvious loop: x = float32(pixel)/255 and one-hot
// targets, for image sizes that are and are not multiples of the eight
// pixels it reads at a time.
func TestGatherScalesAndOneHots(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, shape := range []Shape{{28, 28, 1}, {5, 3, 1}, {1, 1, 1}, {4, 4, 3}} {
		const n, classes = 40, 10
		size := shape.Size()
		d := Dataset{Shape: shape, Classes: classes, Images: make([]uint8, n*size), Labels: make([]uint8, n)}
		for i := range d.Images {
			d.Images[i] = uint8(r.IntN(256))
		}
		for i := range d.Labels {
			d.Labels[i] = uint8(r.IntN(classes))
		}
		idx := []int{7, 0, 39, 7, 12}
		x, tt := make([]float32, len(idx)*size), make([]float32, len(idx)*classes)
		for i := range tt {
			tt[i] = 5 // stale targets must be cleared
		}
		d.Gather(idx, x, tt)
		for i, j := range idx {
			for k := 0; k < size; k++ {
				if want := float32(d.Images[j*size+k]) / 255; x[i*size+k] != want {
					t.Fatalf("%v: sample %d pixel %d = %v, want %v", shape, i, k, x[i*size+k], want)
				}
			}
			for c := 0; c < classes; c++ {
				want := float32(0)
				if c == int(d.Labels[j]) {
					want = 1
				}
				if tt[i*classes+c] != want {
					t.Fatalf("%v: sample %d target %d = %v, want %v", shape, i, c, tt[i*classes+c], want)
				}
			}
		}
	}
}
