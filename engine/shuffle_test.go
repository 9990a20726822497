package engine

import (
	"slices"
	"testing"
)

// TestShuffleEveryEpoch: fit(shuffle=True) draws a new order before every
// epoch, the first included, each a permutation of the training samples
// (Keras 2.2.4, training_arrays.py: np.random.shuffle(index_array) at the
// top of the epoch loop); shuffle=False keeps the stored order.
func TestShuffleEveryEpoch(t *testing.T) {
	const n = 50
	r := &fitRun{n: n, cfg: FitConfig{Shuffle: true, Seed: 7}}
	var orders [][]int
	for epoch := range 3 {
		order := slices.Clone(r.shuffled(epoch))
		sorted := slices.Sorted(slices.Values(order))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("epoch %d's order %v is not a permutation of 0..%d", epoch+1, order, n-1)
			}
		}
		if slices.IsSorted(order) {
			t.Errorf("epoch %d was not shuffled", epoch+1)
		}
		for _, o := range orders {
			if slices.Equal(o, order) {
				t.Errorf("epoch %d repeats an earlier epoch's order", epoch+1)
			}
		}
		orders = append(orders, order)
	}
	kept := &fitRun{n: n, cfg: FitConfig{Seed: 7}}
	if !slices.IsSorted(kept.shuffled(1)) {
		t.Error("shuffle off changed the order")
	}
}
