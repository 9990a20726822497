package cpu

import (
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
// plus the calling goroutine, which always takes part. Items are claimed one
// at a time from a shared counter, so a helper the OS has descheduled only
// delays the items it holds. A helper out of work looks for the next run for
// spinTime, yielding, then blocks on a channel until a run wakes it: between
// training steps the helpers are parked. A run allocates nothing: the task
// is a pointer to a struct the Backend keeps.
type workers struct {
	threads int
	wake    []chan struct{} // one per helper, capacity 1
	// parked[h] is 1 while helper h+1 waits on wake[h]; a run sends a
	// wake-up only to a helper it has moved from 1 to 0.
	parked []atomic.Int32
	// claim packs the run's generation, its item count and the next item
	// to hand out (see pack); a claim succeeds only in the run it was read
	// from, so a late helper never takes an item of the next run.
	claim atomic.Uint64
	done  atomic.Int64 // items finished in this run
	// waiting is gen+1 while the caller is blocked on finished, else 0.
	waiting  atomic.Uint64
	finished chan struct{}
	t        task // written by run before it publishes claim
	gen      uint64
}

// Field widths of workers.claim: generation, item count, next item.
const (
	itemBits = 18
	maxItems = 1<<itemBits - 1
	itemMask = 1<<itemBits - 1
	genMask  = 1<<(64-2*itemBits) - 1
)

func pack(gen uint64, items, next int) uint64 {
	return gen<<(2*itemBits) | uint64(items)<<itemBits | uint64(next)
}

func unpack(c uint64) (gen uint64, items, next int) {
	return c >> (2 * itemBits), int(c >> itemBits & itemMask), int(c & itemMask)
}

// newWorkers starts threads-1 helpers.
func newWorkers(threads int) *workers {
	p := &workers{threads: threads, finished: make(chan struct{}, 1)}
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
// other within microseconds, the steps themselves may be far apart.
const spinTime = 50 * time.Microsecond

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
	_, items, next := unpack(p.claim.Load())
	return next < items
}

// spin waits up to spinTime for claimable items, yielding the processor
// between looks (there may be more workers than processors).
func (p *workers) spin() bool {
	start := time.Now()
	for i := 0; ; i++ {
		if p.claimable() {
			return true
		}
		if i%16 == 15 && time.Since(start) > spinTime {
			return false
		}
		runtime.Gosched()
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
	p.done.Store(0)
	p.claim.Store(pack(p.gen, n, 0))
	for h := range min(len(p.wake), n-1) {
		if p.parked[h].Load() == 1 && p.parked[h].CompareAndSwap(1, 0) {
			p.wake[h] <- struct{}{}
		}
	}
	p.work(0)
	p.wait(n)
	p.t = nil
}

// work claims and computes items until none is left.
func (p *workers) work(w int) {
	for {
		c := p.claim.Load()
		gen, items, next := unpack(c)
		if next >= items {
			return
		}
		if !p.claim.CompareAndSwap(c, c+1) {
			continue
		}
		// The claim holds the run open, so p.t is this run's task.
		p.t.do(w, next)
		if p.done.Add(1) == int64(items) && w != 0 && p.waiting.CompareAndSwap(gen+1, 0) {
			p.finished <- struct{}{}
		}
	}
}

// wait returns when n items are done: the helpers are finishing their last
// items, so it looks for up to spinTime (yielding), then blocks.
func (p *workers) wait(n int) {
	start := time.Now()
	for i := 0; ; i++ {
		if p.done.Load() == int64(n) {
			return
		}
		if i%16 == 15 && time.Since(start) > spinTime {
			break
		}
		runtime.Gosched()
	}
	p.waiting.Store(p.gen + 1)
	if p.done.Load() == int64(n) && p.waiting.CompareAndSwap(p.gen+1, 0) {
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
		runtime.AddCleanup(be, (*workers).stop, be.work)
	}
	return be.work
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

// gemmScratch is the scratch tiles needs for column panels of cols values.
func gemmScratch(cols int) int { return cols*kc + mr*kc + mr*nr }
