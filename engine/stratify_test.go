package engine

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

func TestStratifiedCounts(t *testing.T) {
	for _, c := range []struct {
		sizes []int
		held  int
		want  []int
	}{
		{[]int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 6, []int{1, 1, 1, 1, 1, 1, 0, 0, 0, 0}}, // equal remainders: the lower classes
		{[]int{50, 30, 20}, 20, []int{10, 6, 4}},                                      // exact shares
		{[]int{5, 3, 2}, 5, []int{3, 1, 1}},                                           // 2.5, 1.5, 1.0: one left, to class 0 (ties by class)
		{[]int{7, 2, 1}, 3, []int{2, 1, 0}},                                           // 2.1, .6, .3: the largest remainder, class 1
		{[]int{2, 2, 2}, 3, []int{1, 1, 1}},                                           // each keeps one for training
		{[]int{3, 2}, 3, []int{2, 1}},                                                 // 1.8, 1.2: class 0 takes the remainder
		{[]int{2, 8}, 8, []int{1, 7}},                                                 // 1.6, 6.4: class 0 would take 2 of 2; its turn passes to class 1
		{[]int{1, 1, 4}, 2, []int{1, 0, 1}},                                           // .33, .33, 1.33: equal remainders, a singleton as any class
		{[]int{1, 9}, 5, []int{1, 4}},                                                 // .5, 4.5: the singleton wins the tie by class
		{[]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, 12000, // MNIST's training labels at 0.2
			[]int{1185, 1348, 1192, 1226, 1168, 1084, 1184, 1253, 1170, 1190}},
	} {
		got, err := StratifiedCounts(c.sizes, c.held)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("StratifiedCounts(%v, %d) = %v, %v; want %v", c.sizes, c.held, got, err, c.want)
		}
	}
	for _, c := range []struct {
		sizes []int
		held  int
	}{{[]int{2, 2}, 3}, {[]int{1, 1}, 3}, {[]int{4}, 4}} {
		if got, err := StratifiedCounts(c.sizes, c.held); err == nil {
			t.Errorf("StratifiedCounts(%v, %d) = %v, want an error", c.sizes, c.held, got)
		}
	}
}

// labelled is a set of the given labels, each image its index.
func labelled(labels []uint8) Dataset {
	d := Dataset{Images: make([]uint8, len(labels)*4), Labels: labels, Shape: Shape{2, 2, 1}, Classes: 10}
	for i := range labels {
		binary16(d.Images[i*4:], i)
	}
	return d
}

func binary16(b []uint8, i int) { b[0], b[1] = uint8(i), uint8(i>>8) }

// The stratified split holds out what the tail split does, in all, for
// every size, fraction and class mix; each class its share (counts within
// one of frac·n_c), and one of two or more keeps an image for training.
func TestStratifiedSplitHoldsOutThePlainTotal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	mixes := map[string]func(i int) uint8{
		"even":     func(i int) uint8 { return uint8(i % 10) },
		"skewed":   func(i int) uint8 { return uint8(min(9, r.IntN(40)/4*i%10)) },
		"two":      func(i int) uint8 { return uint8(r.IntN(2)) },
		"one rare": func(i int) uint8 { return uint8(min(r.IntN(50), 1)) },
	}
	for name, label := range mixes {
		for _, n := range []int{10, 30, 31, 97, 300, 1001} {
			labels := make([]uint8, n)
			for i := range labels {
				labels[i] = label(i)
			}
			d := labelled(labels)
			for _, frac := range []float64{0.01, 0.1, 0.2, 0.25, 1.0 / 3, 0.5, 0.7} {
				_, tail, errTail := SplitValidation(d, frac, SplitTail, 1)
				train, val, err := SplitValidation(d, frac, SplitStratified, 7)
				if errTail != nil {
					continue
				}
				sizes, held := map[uint8]int{}, map[uint8]int{}
				for _, l := range labels {
					sizes[l]++
				}
				room := 0
				for _, s := range sizes {
					room += keepOne(s)
				}
				if tail.Len() > room {
					if err == nil {
						t.Errorf("%s, n %d, frac %g: held out %d, more than the %d the classes allow", name, n, frac, val.Len(), room)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s, n %d, frac %g: %v", name, n, frac, err)
					continue
				}
				if val.Len() != tail.Len() || train.Len()+val.Len() != n {
					t.Errorf("%s, n %d, frac %g: holds out %d, the tail split %d", name, n, frac, val.Len(), tail.Len())
				}
				for _, l := range val.Labels {
					held[l]++
				}
				for c, s := range sizes {
					share := float64(tail.Len()) * float64(s) / float64(n)
					if math.Abs(float64(held[c])-share) >= 1+1e-9 && !(s >= 2 && held[c] == s-1) {
						t.Errorf("%s, n %d, frac %g: class %d holds out %d of %d, its share %.2f", name, n, frac, c, held[c], s, share)
					}
					if s >= 2 && held[c] == s {
						t.Errorf("%s, n %d, frac %g: class %d holds out all its %d", name, n, frac, c, s)
					}
				}
			}
		}
	}
}

// TestStratifiedSplitOnATinySet is the case that showed the rule: 30
// images, 3 of each class, at 0.2. The earlier rule held out ⌈0.6⌉ = 1 of
// each, 10; now 6, as the tail split, the first six classes' (equal
// remainders go to the lower class).
func TestStratifiedSplitOnATinySet(t *testing.T) {
	d := testSet(30)
	_, val, err := SplitValidation(d, 0.2, SplitStratified, 1)
	if err != nil || val.Len() != 6 {
		t.Fatalf("held out %d (%v), want 6", val.Len(), err)
	}
	labels := append([]uint8(nil), val.Labels...)
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	if !bytes.Equal(labels, []uint8{0, 1, 2, 3, 4, 5}) {
		t.Errorf("held out classes %v, want 0..5", labels)
	}
	if _, old, _ := SplitValidation(d, 0.2, SplitStratifiedCeil, 1); old.Len() != 10 {
		t.Errorf("the earlier rule held out %d, want 10", old.Len())
	}
}

// ceilSplitBefore is the stratified split as runs recorded before
// data.split_rule ran it, kept word for word: SplitStratifiedCeil must
// hold out the very images it did, for their resumes.
func ceilSplitBefore(d Dataset, frac float64, seed uint64) []bool {
	isVal := make([]bool, d.Len())
	r := rand.New(rand.NewPCG(seed, 0x73706c6974))
	byClass := map[uint8][]int{}
	for i, l := range d.Labels {
		byClass[l] = append(byClass[l], i)
	}
	classes := make([]int, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, int(c))
	}
	sort.Ints(classes)
	for _, c := range classes {
		idx := byClass[uint8(c)]
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx[int(math.Floor(float64(len(idx))*(1-frac))):] {
			isVal[i] = true
		}
	}
	return isVal
}

func TestStratifiedCeilIsTheEarlierSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{30, 97, 1001} {
		labels := make([]uint8, n)
		for i := range labels {
			labels[i] = uint8(r.IntN(10))
		}
		d := labelled(labels)
		for _, frac := range []float64{0.1, 0.2, 0.3} {
			for _, seed := range []uint64{1, 9} {
				_, val, err := SplitValidation(d, frac, SplitStratifiedCeil, seed)
				if err != nil {
					t.Fatal(err)
				}
				var want []int
				for i, v := range ceilSplitBefore(d, frac, seed) {
					if v {
						want = append(want, i)
					}
				}
				var got []int
				for i := 0; i < val.Len(); i++ {
					got = append(got, int(val.Images[i*4])|int(val.Images[i*4+1])<<8)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("n %d, frac %g, seed %d: held out %s, the earlier split %s", n, frac, seed, brief(got), brief(want))
				}
			}
		}
	}
}

func brief(idx []int) string { return fmt.Sprintf("%d images %v…", len(idx), idx[:min(5, len(idx))]) }
