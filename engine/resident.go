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
	r.SetOrder(nil)
	return r, nil
}

// Len is the number of samples.
func (r *ResidentSet) Len() int { return r.n }

// SetOrder makes row order[i] the i-th sample of the next pass; nil is the
// identity.
func (r *ResidentSet) SetOrder(order []int) {
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

// loadResident gathers samples [off, off+n) of the current order into the
// model's input and target buffers.
func (m *Model) loadResident(d *ResidentSet, off, n int) {
	if d.be != m.be || d.xs != m.Input.Size() || d.ts != m.OutputShape().Size() {
		panic(fmt.Sprintf("engine: resident set of %d×(%d, %d) on %s does not fit the model's %v → %d on %s",
			d.n, d.xs, d.ts, d.be.Name(), m.Input, m.OutputShape().Size(), m.be.Name()))
	}
	if off < 0 || off+n > d.n {
		panic(fmt.Sprintf("engine: samples [%d, %d) of a %d-sample resident set", off, off+n, d.n))
	}
	rows := d.rows.Slice(off, n)
	m.be.GatherRows(n, d.xs, rows, d.x, m.acts[0])
	m.be.GatherRows(n, d.ts, rows, d.t, m.target)
}

// TrainStepResident is TrainStep on samples [off, off+n) of d's order.
func (m *Model) TrainStepResident(opt Optimizer, d *ResidentSet, off, n int) {
	m.checkBatch(n)
	m.loadResident(d, off, n)
	m.trainLoaded(opt, n)
}

// EvaluateResident is Evaluate on a resident set, in its current order.
func EvaluateResident(m *Model, d *ResidentSet, batch int) (loss, accuracy float64) {
	batch = min(batch, m.maxBatch)
	m.ResetMetrics()
	m.ctx.training = false
	for s := 0; s < d.n; s += batch {
		n := min(batch, d.n-s)
		m.loadResident(d, s, n)
		m.lossAndMetrics(n)
	}
	l, c := m.Metrics()
	return l / float64(d.n), c / float64(d.n)
}
