package engine

import (
	"fmt"
	"sort"
)

// The stratified split holds out as many samples in all as the tail and
// random splits do for the same fraction (Keras's N-⌊N·(1-frac)⌋), shared
// among the classes in proportion to their sizes, as scikit-learn's
// StratifiedShuffleSplit shares its test size:
//
//	quota_c = held·n_c / N      (exact, in integers)
//	v_c     = ⌊quota_c⌋, then one more each for the classes of the largest
//	          remainders held·n_c mod N, ties to the lower class, until
//	          Σ v_c = held
//
// A class of two or more samples keeps at least one for training: its v_c
// is at most n_c-1, and a remainder's sample it cannot take goes to the
// next class in that order. A class of one sample may be held out whole
// (it takes a remainder's sample like any other), as no split can put it
// on both sides. When the classes cannot take held samples under these
// bounds (a fraction near 1 of few samples) the split is refused.
//
// Runs recorded before this rule held out ⌈frac·n_c⌉ of each class
// (SplitStratifiedCeil): more than held in all, up to one per class.

// StratifiedCounts shares held samples among classes of the given sizes
// (all above zero) as the stratified split does (see above): the number of
// each class to hold out.
func StratifiedCounts(sizes []int, held int) ([]int, error) {
	n, room := 0, 0
	for _, s := range sizes {
		n += s
		room += keepOne(s)
	}
	if held < 0 || held > room {
		return nil, fmt.Errorf("the stratified split would hold out %d, but its %d classes allow at most %d (each class of two or more keeps one for training)",
			held, len(sizes), room)
	}
	counts := make([]int, len(sizes))
	left := held
	for c, s := range sizes {
		counts[c] = min(int(int64(held)*int64(s)/int64(n)), keepOne(s))
		left -= counts[c]
	}
	order := make([]int, len(sizes))
	for c := range order {
		order[c] = c
	}
	remainder := func(c int) int64 { return int64(held) * int64(sizes[c]) % int64(n) }
	sort.SliceStable(order, func(i, j int) bool { return remainder(order[i]) > remainder(order[j]) })
	// One pass gives each class at most one more; a class at its bound
	// passes its turn on, so a further pass can be needed, and ends since
	// held ≤ room.
	for left > 0 {
		for _, c := range order {
			if left > 0 && counts[c] < keepOne(sizes[c]) {
				counts[c]++
				left--
			}
		}
	}
	return counts, nil
}

// keepOne is the most a class of s samples may hold out: all but one, or
// its only one.
func keepOne(s int) int {
	if s == 1 {
		return 1
	}
	return s - 1
}
