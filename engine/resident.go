package engine

import "fmt"

// ResidentSet is a data set copied to the device once — images (N × input
// size) and targets (N × classes) as float32 — with a buffer of row numbers
// that sets the order of an epoch. Batches are then gathered on the device
// (Backend.GatherRows), so a training step moves nothing between host and
// device. It costs N·(input size + classes)·4 bytes of device memory.
type ResidentSet struct {
	be         Backend
	x, t, rows Buffer
	n, xs, ts  int
	order      []float32 // host copy of rows, reused every epoch
}

// residentChunk samples are gathered on the host per upload copy.
const residentChunk = 1024

// Upload copies d to be's memory.
func Upload(be Backend, d Dataset) (*ResidentSet, error) {
	n, xs, ts := d.Len(), d.Shape.Size(), d.Classes
	if n > 1<<24 {
		return nil, fmt.Errorf("resident data: %d samples; row numbers are exact in float32 only below 2^24", n)
	}
	r := &ResidentSet{be: be, n: n, xs: xs, ts: ts}
	var err error
	for _, b := range []struct {
		p    *Buffer
		size int
	}{{&r.x, n * xs}, {&r.t, n * ts}, {&r.rows, n}} {
		if *b.p, err = be.Alloc(max(b.size, 1)); err != nil {
			r.Free()
			return nil, fmt.Errorf("resident data: %w", err)
		}
	}
	x := make([]float32, residentChunk*xs)
	t := make([]float32, residentChunk*ts)
	idx := make([]int, 0, residentChunk)
	for s := 0; s < n; s += residentChunk {
		idx = idx[:0]
		for i := s; i < min(n, s+residentChunk); i++ {
			idx = append(idx, i)
		}
		d.Gather(idx, x, t)
		k := len(idx)
		be.CopyIn(r.x.Slice(s*xs, k*xs), x[:k*xs])
		be.CopyIn(r.t.Slice(s*ts, k*ts), t[:k*ts])
	}
	r.SetPass(0, nil)
	return r, nil
}

// Len is the number of samples.
func (r *ResidentSet) Len() int { return r.n }

// SetPass makes row order[i] the i-th sample of the next pass; nil is the
// identity. Nothing in a resident pass depends on the epoch: augmentation
// runs on the host (see OpenBatches).
func (r *ResidentSet) SetPass(_ int, order []int) {
	if order != nil && len(order) != r.n {
		panic(fmt.Sprintf("engine: pass order of %d samples for a %d-sample resident set", len(order), r.n))
	}
	if r.order == nil {
		r.order = make([]float32, r.n)
	}
	for i := range r.order {
		if order == nil {
			r.order[i] = float32(i)
		} else {
			r.order[i] = float32(order[i])
		}
	}
	r.be.CopyIn(r.rows, r.order)
}

// Free releases the device memory.
func (r *ResidentSet) Free() {
	for _, b := range []Buffer{r.x, r.t, r.rows} {
		if b != nil {
			r.be.Free(b)
		}
	}
	r.x, r.t, r.rows = nil, nil, nil
}

// load gathers samples [off, off+n) of the current order into the model's
// input and target buffers, on the device.
func (r *ResidentSet) load(m *Model, off, n int) {
	r.checkFits(m)
	if off < 0 || off+n > r.n {
		panic(fmt.Sprintf("engine: samples [%d, %d) of a %d-sample resident set", off, off+n, r.n))
	}
	rows := r.rows.Slice(off, n)
	GatherBatch(m.be, n, rows, r.xs, r.x, m.acts[0], r.ts, r.t, m.target)
}

// loadAt is load of the pass's next batch, read from the step clock:
// samples [first, first+n) with first = (clock[ClockStep] -
// clock[ClockPassStart])·batch (GatherBatchAt). The host cannot check the
// range; the caller keeps first+n within the pass.
func (r *ResidentSet) loadAt(m *Model, clock Buffer, batch, n int) {
	r.checkFits(m)
	GatherBatchAt(m.be, n, batch, clock, r.rows, r.xs, r.x, m.acts[0], r.ts, r.t, m.target)
}

func (r *ResidentSet) checkFits(m *Model) {
	if r.be != m.be || r.xs != m.Input.Size() || r.ts != m.OutputShape().Size() {
		panic(fmt.Sprintf("engine: resident set of %d×(%d, %d) on %s does not fit the model's %v → %d on %s",
			r.n, r.xs, r.ts, r.be.Name(), m.Input, m.OutputShape().Size(), m.be.Name()))
	}
}
