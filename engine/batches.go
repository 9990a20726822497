package engine

import "fmt"

// Batches is a data set as a model reads it: in passes, each in an order set
// for the pass, a batch being consecutive samples [off, off+n) of that order.
// HostBatches gathers (and augments) each batch on the host and copies it in;
// ResidentSet keeps the set on the device and gathers there; HostBatch is a
// batch already in host memory. All put the same float32 values into the
// model, so a run is bit-identical whichever feeds it.
type Batches interface {
	// SetPass starts a pass in which sample order[i] comes i-th (nil: the
	// stored order); epoch seeds the pass's augmentation, if any.
	SetPass(epoch int, order []int)
	// Free releases what the batches hold on the device.
	Free()
	// load puts samples [off, off+n) of the pass into m's input and target
	// buffers.
	load(m *Model, off, n int)
}

// OpenBatches returns d's batches the way be wants them fed: resident on the
// device when its traits ask for it (Traits.ResidentData), gathered on the host
// otherwise or with augmentation, which runs on the host. batch is the largest
// batch that will be read.
func OpenBatches(be Backend, d Dataset, aug *Augmentation, batch int) (Batches, error) {
	if be.Traits().ResidentData && !aug.Enabled() {
		r, err := Upload(be, d)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return NewHostBatches(d, aug, batch)
}

// HostBatches reads a Dataset in host memory: each batch is gathered (scaled,
// one-hot) into a host buffer, augmented there, and copied to the device.
// Batch off/batch of an epoch's pass is augmented with the generator seeded
// by (epoch, off/batch), so a run is reproducible.
type HostBatches struct {
	d     Dataset
	aug   *Augmentation // nil when augmentation is off
	batch int
	epoch uint64
	order []int // nil: stored order
	idx   []int // the current batch's sample numbers
	x, t  []float32
	// scratch is one image, the source copy for augmentation.
	scratch []float32
}

// NewHostBatches reads d in batches of up to batch samples, augmenting them
// with aug when it is enabled.
func NewHostBatches(d Dataset, aug *Augmentation, batch int) (*HostBatches, error) {
	if batch < 1 {
		return nil, fmt.Errorf("host batches: batch size %d", batch)
	}
	// A batch is never larger than the set: its buffers hold what is read.
	room := max(1, min(batch, d.Len()))
	h := &HostBatches{d: d, batch: batch, idx: make([]int, 0, room),
		x: make([]float32, room*d.Shape.Size()), t: make([]float32, room*d.Classes)}
	if aug.Enabled() {
		if len(d.Shape) != 3 {
			return nil, fmt.Errorf("augmentation needs (H, W, C) images, got %v", d.Shape)
		}
		h.aug, h.scratch = aug, make([]float32, d.Shape.Size())
	}
	return h, nil
}

// Len is the number of samples.
func (h *HostBatches) Len() int { return h.d.Len() }

func (h *HostBatches) SetPass(epoch int, order []int) {
	h.epoch = uint64(epoch)
	if order == nil {
		h.order = nil
		return
	}
	if len(order) != h.d.Len() {
		panic(fmt.Sprintf("engine: pass order of %d samples for a %d-sample data set", len(order), h.d.Len()))
	}
	h.order = append(h.order[:0], order...)
}

func (h *HostBatches) Free() {}

func (h *HostBatches) load(m *Model, off, n int) {
	if h.d.Shape.Size() != m.Input.Size() || h.d.Classes != m.OutputShape().Size() {
		panic(fmt.Sprintf("engine: data of shape %v with %d classes does not fit the model's %v → %d",
			h.d.Shape, h.d.Classes, m.Input, m.OutputShape().Size()))
	}
	if off < 0 || n > h.batch || off+n > h.d.Len() {
		panic(fmt.Sprintf("engine: samples [%d, %d) of a %d-sample data set read in batches of %d", off, off+n, h.d.Len(), h.batch))
	}
	h.idx = h.idx[:0]
	for i := off; i < off+n; i++ {
		if h.order == nil {
			h.idx = append(h.idx, i)
		} else {
			h.idx = append(h.idx, h.order[i])
		}
	}
	h.d.Gather(h.idx, h.x, h.t)
	if h.aug != nil {
		sh := h.d.Shape
		h.aug.Apply(h.x, n, sh[0], sh[1], sh[2], h.epoch, uint64(off/h.batch), h.scratch)
	}
	m.loadBatch(h.x, h.t, n)
}

// HostBatch is samples already gathered in host memory, in their order: X
// holds N × input size values and T N × classes targets. It feeds a model
// batches made by hand (kernel parity tests, benchmarks); it has one order,
// its own.
type HostBatch struct{ X, T []float32 }

// SetPass accepts only the stored order (nil): a HostBatch is not reordered.
func (b HostBatch) SetPass(_ int, order []int) {
	if order != nil {
		panic("engine: a HostBatch has its own order; SetPass takes nil")
	}
}

func (b HostBatch) Free() {}

func (b HostBatch) load(m *Model, off, n int) {
	xs, ts := m.Input.Size(), m.OutputShape().Size()
	if off < 0 || (off+n)*xs > len(b.X) || (off+n)*ts > len(b.T) {
		panic(fmt.Sprintf("engine: samples [%d, %d) of a HostBatch of %d inputs and %d targets (model: %d and %d per sample)",
			off, off+n, len(b.X), len(b.T), xs, ts))
	}
	m.loadBatch(b.X[off*xs:(off+n)*xs], b.T[off*ts:(off+n)*ts], n)
}
