package cpu

import (
	"io"
	"runtime"
	"sync/atomic"
	"time"
)

// A task is a kernel's work cut into items 0 … n-1 (blocks of samples, rows
// or tiles). do(w, i) computes item i on worker w; w (0 … threads-1) only
// selects the worker's scratch memory. Every output value is computed inside
// one item by the same float operations whichever worker runs it, and
// partial sums are kept per item and added in item order, so results do not
// depend on the number of workers or on which worker took which item.
type task interface {
	do(w, i int)
}

// workers is the Backend's pool: threads-1 helper goroutines started once,
// plus the calling goroutine, which always takes part. A run's items are
// shared out in fixed contiguous ranges, one per worker (share), and each
// worker claims the items of its own range first, one at a time, then those
// left in the others' ranges. So the same worker, and mostly the same core,
// computes the same part of a kernel at every step: the weights, gradients
// and optimizer state of its part stay in its cache (claiming from one
// shared counter sent every step's chunks to whichever core came first, and
// two threads ran an MLP step barely faster than one). A helper the OS has
// descheduled still only delays the items it holds: the others take the
// rest of its range. A helper out of work looks for the next run for
// spinTime, yielding, then blocks on a channel until a run wakes it:
// between training steps the helpers are parked. A run allocates nothing:
// the task is a pointer to a struct the Backend keeps.
type workers struct {
	threads int
	wake    []chan struct{} // one per helper, capacity 1
	// parked[h] is 1 while helper h+1 waits on wake[h]; a run sends a
	// wake-up only to a helper it has moved from 1 to 0.
	parked []atomic.Int32
	// slots[w] packs the run's generation, the end of worker w's range and
	// the next item of it to hand out (see pack); a claim succeeds only in
	// the run it was read from, so a late helper never takes an item of the
	// next run.
	slots []slot
	left  atomic.Int64 // items of this run not yet finished
	// waiting is gen+1 while the caller is blocked on finished, else 0.
	waiting  atomic.Uint64
	finished chan struct{}
	t        task // written by run before it publishes the slots
	gen      uint64
}

// slot is one worker's claim word on a cache line of its own.
type slot struct {
	c atomic.Uint64
	_ [56]byte
}

// Field widths of a slot: generation, end of the range, next item.
const (
	itemBits = 18
	maxItems = 1<<itemBits - 1
	itemMask = 1<<itemBits - 1
	genMask  = 1<<(64-2*itemBits) - 1
)

func pack(gen uint64, end, next int) uint64 {
	return gen<<(2*itemBits) | uint64(end)<<itemBits | uint64(next)
}

func unpack(c uint64) (gen uint64, end, next int) {
	return c >> (2 * itemBits), int(c >> itemBits & itemMask), int(c & itemMask)
}

// share is worker w's range of n items among t workers: contiguous, in
// worker order, sizes differing by at most one; with fewer items than
// workers, one item each for the first n.
func share(w, n, t int) (lo, hi int) {
	if n < t {
		lo = min(w, n)
		return lo, min(w+1, n)
	}
	return w * n / t, (w + 1) * n / t
}

// newWorkers starts threads-1 helpers.
func newWorkers(threads int) *workers {
	p := &workers{threads: threads, finished: make(chan struct{}, 1), slots: make([]slot, threads)}
	p.parked = make([]atomic.Int32, max(0, threads-1))
	for h := 1; h < threads; h++ {
		c := make(chan struct{}, 1)
		p.wake = append(p.wake, c)
		go p.helper(h, c)
	}
	return p
}

// stop ends the helpers; the pool must not be used afterwards.
func (p *workers) stop() {
	for _, c := range p.wake {
		close(c)
	}
}

// spinTime is how long a helper that has run out of items keeps looking for
// the next run before it parks: the kernels of a training step follow each
// other within microseconds, but the host work between two steps (gathering
// a batch) can take tens of them, and a parked helper takes longer than that
// to wake; the steps of an evaluation or of the next epoch may be far apart.
const spinTime = 200 * time.Microsecond

func (p *workers) helper(w int, wake chan struct{}) {
	parked := &p.parked[w-1]
	for {
		if !p.spin() {
			parked.Store(1)
			// A run published after the spin but before the store above
			// sent no wake-up: take it back from the parked state here.
			if !p.claimable() || !parked.CompareAndSwap(1, 0) {
				if _, ok := <-wake; !ok {
					return
				}
			}
		}
		p.work(w)
	}
}

// claimable reports whether a run has items left to claim.
func (p *workers) claimable() bool {
	for i := range p.slots {
		if _, end, next := unpack(p.slots[i].c.Load()); next < end {
			return true
		}
	}
	return false
}

// spin waits up to spinTime for claimable items. With no more workers than
// processors it only looks: yielding (runtime.Gosched) would move the
// goroutines between processors at every look and undo what the fixed
// ranges keep in each core's cache. With more workers than processors it
// yields between looks, or a spinning helper would hold up the others.
func (p *workers) spin() bool {
	start := time.Now()
	yield := p.threads > runtime.GOMAXPROCS(0)
	for i := 0; ; i++ {
		if p.claimable() {
			return true
		}
		if i%16 == 15 && time.Since(start) > spinTime {
			return false
		}
		if yield {
			runtime.Gosched()
		}
	}
}

// run computes items 0 … n-1 of t and returns when all are done. With one
// thread, or one item, the caller does everything itself.
func (p *workers) run(t task, n int) {
	if n <= 0 {
		return
	}
	if n == 1 || p.threads == 1 {
		for i := 0; i < n; i++ {
			t.do(0, i)
		}
		return
	}
	if n > maxItems {
		panic("cpu: a task of more than maxItems items")
	}
	p.t = t
	p.gen = (p.gen + 1) & genMask
	p.left.Store(int64(n))
	for w := range p.slots {
		lo, hi := share(w, n, p.threads)
		p.slots[w].c.Store(pack(p.gen, hi, lo))
	}
	for h := range min(len(p.wake), n-1) {
		if p.parked[h].Load() == 1 && p.parked[h].CompareAndSwap(1, 0) {
			p.wake[h] <- struct{}{}
		}
	}
	p.work(0)
	p.wait()
	p.t = nil
}

// work claims and computes items until none is left: its own range first,
// then the others' in worker order.
func (p *workers) work(w int) {
	for k := range p.slots {
		s := &p.slots[(w+k)%len(p.slots)].c
		for {
			c := s.Load()
			gen, end, next := unpack(c)
			if next >= end {
				break
			}
			if !s.CompareAndSwap(c, c+1) {
				continue
			}
			// The claim holds the run open, so p.t is this run's task.
			p.t.do(w, next)
			if p.left.Add(-1) == 0 && w != 0 && p.waiting.CompareAndSwap(gen+1, 0) {
				p.finished <- struct{}{}
			}
		}
	}
}

// wait returns when the run's items are done: the helpers are finishing
// their last items, so it looks for up to spinTime (yielding), then blocks.
func (p *workers) wait() {
	start := time.Now()
	yield := p.threads > runtime.GOMAXPROCS(0)
	for i := 0; ; i++ {
		if p.left.Load() == 0 {
			return
		}
		if i%16 == 15 && time.Since(start) > spinTime {
			break
		}
		if yield {
			runtime.Gosched()
		}
	}
	p.waiting.Store(p.gen + 1)
	if p.left.Load() == 0 && p.waiting.CompareAndSwap(p.gen+1, 0) {
		return
	}
	<-p.finished
}

// rangeTask runs fn over [0, n) in chunks of grain: item i is
// [i·grain, min(n, (i+1)·grain)). Used for element-wise work, where every
// output depends on its own inputs only.
type rangeTask struct {
	n, grain int
	fn       func(lo, hi int)
}

func (r *rangeTask) do(_, i int) {
	lo := i * r.grain
	r.fn(lo, min(r.n, lo+r.grain))
}

// workerMem is one worker's scratch memory, grown on demand and reused.
type workerMem struct {
	gemm []float32 // packed B panels, a partial A panel, an edge tile
	cols []float32 // a block's im2col rows
	best []float32 // pooling window maxima
	arg  []int32   // and where they are
}

// window returns pooling scratch for c channels.
func (m *workerMem) window(c int) ([]float32, []int32) {
	if cap(m.arg) < c {
		m.arg = make([]int32, c)
	}
	m.best = grow(m.best, c)
	return m.best, m.arg[:c]
}

// pool returns the Backend's workers, starting them on first use. They stop
// when the Backend is garbage collected.
func (be *Backend) pool() *workers {
	if be.work == nil {
		n := be.threads
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		be.work = newWorkers(n)
		be.mem = make([]workerMem, n)
		be.cleanup = runtime.AddCleanup(be, (*workers).stop, be.work)
	}
	return be.work
}

var _ io.Closer = (*Backend)(nil) // engine.Close stops the pool

// Close stops the worker pool's goroutines (a backend nobody closes has them
// stopped when it is garbage collected). Using the backend afterwards starts
// a new pool.
func (be *Backend) Close() error {
	if be.work != nil {
		be.cleanup.Stop()
		be.work.stop()
		be.work, be.mem = nil, nil
	}
	return nil
}

// reserve grows every worker's GEMM and im2col scratch to at least gemm and
// cols floats before a run, so that which worker takes which item never
// decides when memory is allocated.
func (be *Backend) reserve(gemm, cols int) {
	for i := range be.mem {
		m := &be.mem[i]
		if cap(m.gemm) < gemm {
			m.gemm = make([]float32, gemm)
		}
		if cap(m.cols) < cols {
			m.cols = make([]float32, cols)
		}
	}
}

// gemmScratch is the scratch tiles needs for column panels of cols values:
// the B panels, a partial A panel, an edge tile and A's non-zero values.
func gemmScratch(cols int) int { return cols*kc + mr*kc + mr*nr + nonZeroScratch() }
