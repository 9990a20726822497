package engine

import (
	"math"
	"testing"
)

func bar(h, w int) []float32 {
	x := make([]float32, h*w)
	for q := 4; q < w-4; q++ {
		x[(h/2)*w+q] = 1 // a horizontal bar through the centre
	}
	return x
}

func TestAugmentationIsSeededAndChangesPixels(t *testing.T) {
	a := &Augmentation{Rotation: 15, WidthShift: 0.1, HeightShift: 0.1, Zoom: 0.1, Seed: 3}
	orig := bar(28, 28)
	run := func(seed, epoch uint64) []float32 {
		a.Seed = seed
		x := append(append([]float32(nil), orig...), orig...) // two images
		a.Apply(x, 2, 28, 28, 1, epoch, 0, make([]float32, 784))
		return x
	}
	x1, x2, x3, x4 := run(3, 0), run(3, 0), run(4, 0), run(3, 1)
	diff := func(a, b []float32) (d float64) {
		for i := range a {
			d += math.Abs(float64(a[i] - b[i]))
		}
		return d
	}
	if diff(x1, x2) != 0 {
		t.Error("same seed, same epoch: different images")
	}
	if diff(x1[:784], orig) == 0 || diff(x1[:784], x1[784:]) == 0 {
		t.Error("augmentation left an image unchanged, or gave two images the same transform")
	}
	if diff(x1, x3) == 0 || diff(x1, x4) == 0 {
		t.Error("augmentation does not depend on the seed and the epoch")
	}
}

func TestAffineMatchesHandTransforms(t *testing.T) {
	src := bar(28, 28)
	dst := make([]float32, 784)
	// Identity.
	affine(src, dst, 28, 28, 1, 0, 0, 0, 1, 1)
	for i := range src {
		if dst[i] != src[i] {
			t.Fatalf("identity changed pixel %d", i)
		}
	}
	// A shift of tx = +3 rows reads from row r+3: the bar at row 14 moves to row 11.
	affine(src, dst, 28, 28, 1, 0, 3, 0, 1, 1)
	if dst[11*28+14] != 1 || dst[14*28+14] != 0 {
		t.Errorf("shift: row 11 = %v, row 14 = %v", dst[11*28+14], dst[14*28+14])
	}
	// 90° rotation turns the horizontal bar vertical (through the centre column).
	affine(src, dst, 28, 28, 1, math.Pi/2, 0, 0, 1, 1)
	if dst[8*28+13]+dst[8*28+14] < 0.99 || dst[14*28+8] > 0.01 {
		t.Errorf("rotation: column pixel %v, row pixel %v", dst[8*28+13]+dst[8*28+14], dst[14*28+8])
	}
	// Zoom 2 (reading twice as far from the centre) shortens the bar to about half.
	affine(src, dst, 28, 28, 1, 0, 0, 0, 1, 2)
	lit := 0
	for q := 0; q < 28; q++ {
		if dst[14*28+q] > 0.5 {
			lit++
		}
	}
	if lit < 9 || lit > 11 {
		t.Errorf("zoom 2: %d lit pixels in the bar row, want about 10 of 20", lit)
	}
}

// BenchmarkAugmentBatch64 is the per-step cost of augmenting a batch of 64
// MNIST images; compare with BenchmarkTrainStep/cnn in cpu/ (about 25 ms).
func BenchmarkAugmentBatch64(b *testing.B) {
	a := &Augmentation{Rotation: 10, WidthShift: 0.1, HeightShift: 0.1, Zoom: 0.1, Seed: 1}
	x := make([]float32, 64*784)
	for i := 0; i < 64; i++ {
		copy(x[i*784:], bar(28, 28))
	}
	scratch := make([]float32, 784)
	for i := 0; i < b.N; i++ {
		a.Apply(x, 64, 28, 28, 1, 0, uint64(i), scratch)
	}
}
