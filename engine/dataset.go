package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Dataset is a labelled image set kept as raw bytes; batches are scaled to
// [0, 1] float32 (x/255, as the report does) when they are gathered.
type Dataset struct {
	Images  []uint8 // N × Shape.Size(), row-major (NHWC per image)
	Labels  []uint8 // N class indices
	Shape   Shape   // one image, e.g. (28, 28, 1)
	Classes int
}

// Len is the number of samples.
func (d Dataset) Len() int { return len(d.Labels) }

// Subset copies the samples at idx, in that order.
func (d Dataset) Subset(idx []int) Dataset {
	size := d.Shape.Size()
	out := Dataset{Images: make([]uint8, len(idx)*size), Labels: make([]uint8, len(idx)), Shape: d.Shape, Classes: d.Classes}
	for i, j := range idx {
		copy(out.Images[i*size:(i+1)*size], d.Images[j*size:(j+1)*size])
		out.Labels[i] = d.Labels[j]
	}
	return out
}

// Head is the first n samples (all if n ≤ 0 or n ≥ Len).
func (d Dataset) Head(n int) Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	size := d.Shape.Size()
	return Dataset{Images: d.Images[:n*size], Labels: d.Labels[:n], Shape: d.Shape, Classes: d.Classes}
}

// scaled[v] is float32(v)/255, the report's pixel scaling, computed once.
var scaled = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}()

// Gather writes samples idx as float32 x/255 into x and one-hot targets into t.
// It reads the pixels eight at a time (one 64-bit load, then a table look-up
// per byte): a third faster than a byte at a time, which counts in a step of
// the MLP, where gathering a batch on the host is serial work.
func (d Dataset) Gather(idx []int, x, t []float32) {
	size := d.Shape.Size()
	clear(t[:len(idx)*d.Classes])
	for i, j := range idx {
		src := d.Images[j*size : (j+1)*size]
		dst := x[i*size : i*size+len(src)]
		k := 0
		for ; k+8 <= len(src); k += 8 {
			v := binary.LittleEndian.Uint64(src[k:])
			o := dst[k : k+8 : k+8]
			o[0], o[1], o[2], o[3] = scaled[byte(v)], scaled[byte(v>>8)], scaled[byte(v>>16)], scaled[byte(v>>24)]
			o[4], o[5], o[6], o[7] = scaled[byte(v>>32)], scaled[byte(v>>40)], scaled[byte(v>>48)], scaled[byte(v>>56)]
		}
		for ; k < len(src); k++ {
			dst[k] = scaled[src[k]]
		}
		t[i*d.Classes+int(d.Labels[j])] = 1
	}
}

// Split modes for SplitValidation.
const (
	SplitTail       = "tail"       // Keras validation_split: the last fraction, before shuffling
	SplitRandom     = "random"     // a seeded random fraction
	SplitStratified = "stratified" // a seeded random part of each class, the classes' shares of the same total (stratify.go)
	// SplitStratifiedCeil is the stratified split of runs recorded before
	// the total was kept (stratify.go): ⌈frac·n_c⌉ of each class c. Only a
	// recorded run asks for it, to go on with the images it trained on.
	SplitStratifiedCeil = "stratified (per-class ceiling)"
)

// SplitValidation holds out a fraction of d for validation. SplitTail is
// Keras's validation_split: train is the first ⌊N·(1-frac)⌋ samples, so
// N-⌊N·(1-frac)⌋ are held out; SplitRandom and SplitStratified hold out
// that many too. The other modes keep each part in the original order.
func SplitValidation(d Dataset, frac float64, mode string, seed uint64) (train, val Dataset, err error) {
	if frac < 0 || frac >= 1 || math.IsNaN(frac) {
		return d, Dataset{}, fmt.Errorf("validation split must be in [0, 1), got %g", frac)
	}
	n := d.Len()
	if frac == 0 {
		return d, Dataset{}, nil
	}
	isVal := make([]bool, n)
	r := rand.New(rand.NewPCG(seed, 0x73706c6974))
	held := n - int(math.Floor(float64(n)*(1-frac))) // Keras's: split_at = int(n·(1-frac))
	switch mode {
	case SplitTail, "":
		for i := n - held; i < n; i++ {
			isVal[i] = true
		}
	case SplitRandom:
		perm := r.Perm(n)
		for _, i := range perm[n-held:] {
			isVal[i] = true
		}
	case SplitStratified, SplitStratifiedCeil:
		byClass := map[uint8][]int{}
		for i, l := range d.Labels {
			byClass[l] = append(byClass[l], i)
		}
		classes := make([]int, 0, len(byClass))
		for c := range byClass {
			classes = append(classes, int(c))
		}
		sort.Ints(classes)
		sizes := make([]int, len(classes))
		for k, c := range classes {
			sizes[k] = len(byClass[uint8(c)])
		}
		var counts []int
		if mode == SplitStratified {
			if counts, err = StratifiedCounts(sizes, held); err != nil {
				return d, Dataset{}, fmt.Errorf("validation split %g of %d samples: %w", frac, n, err)
			}
		}
		for k, c := range classes {
			idx := byClass[uint8(c)]
			r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			var v int
			if mode == SplitStratified {
				v = counts[k]
			} else {
				v = len(idx) - int(math.Floor(float64(len(idx))*(1-frac)))
			}
			for _, i := range idx[len(idx)-v:] {
				isVal[i] = true
			}
		}
	default:
		return d, Dataset{}, fmt.Errorf("unknown split %q (want tail, random or stratified)", mode)
	}
	var ti, vi []int
	for i, v := range isVal {
		if v {
			vi = append(vi, i)
		} else {
			ti = append(ti, i)
		}
	}
	if len(ti) == 0 || len(vi) == 0 {
		return d, Dataset{}, fmt.Errorf("validation split %g of %d samples leaves %d for training and %d for validation", frac, n, len(ti), len(vi))
	}
	return d.Subset(ti), d.Subset(vi), nil
}
