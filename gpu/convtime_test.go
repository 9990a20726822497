//go:build cuda

package gpu

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"gorgonia.org/cu"
)

// Timing convolution candidates, for tests and diagnostics only: a run
// chooses by a fixed rule (convtune.go), since a timed choice can differ
// from one process to the next. measureConv, set as convTuning.measure,
// runs each qualifying candidate on the pass's own buffers (one warm-up run,
// then the best of convRounds rounds of convReps runs between stream
// synchronisations) and keeps the first in the list within convTieFactor of
// the fastest (cuDNN's heuristic order, the own path last).
const (
	convReps      = 5
	convRounds    = 3
	convTieFactor = 1.5
)

// convTimed holds the timed choices of every backend of the test process,
// by device, mode, shape and pass; a backend that meets a pass another has
// timed runs the same algorithm, as cells trained side by side would need
// (each would otherwise time under the others' load). Timing holds the
// lock, so backends time one at a time.
var convTimed struct {
	sync.Mutex
	m map[convChoiceKey]*convChoice
}

type convChoiceKey struct {
	dev  cu.Device
	key  convKey
	pass convPass
}

func measureConv(b *Backend, pl *convPlan, pass convPass, call convCall, cands []convCandidate, qualified []int) (int, string) {
	shared := convChoiceKey{b.dev, convKey{pl.p, b.opt.TF32}, pass}
	convTimed.Lock()
	defer convTimed.Unlock()
	if c, ok := convTimed.m[shared]; ok {
		for _, i := range qualified {
			if cands[i].name == c.chosen.name {
				copy(cands, c.candidates)
				return i, c.how
			}
		}
	}
	b.timeCandidates(pl, pass, call, cands, qualified)
	fastest := math.Inf(1)
	for _, i := range qualified {
		if c := cands[i]; c.failed == "" {
			fastest = min(fastest, c.micros)
		}
	}
	pick := -1
	for _, i := range qualified {
		if c := cands[i]; c.failed == "" && c.micros <= convTieFactor*fastest {
			pick = i
			break
		}
	}
	if pick < 0 {
		panic(fmt.Sprintf("gpu: every algorithm for convolution %s of %s failed: %s", pass, convShape(pl.p), cands[qualified[0]].failed))
	}
	if convTimed.m == nil {
		convTimed.m = map[convChoiceKey]*convChoice{}
	}
	convTimed.m[shared] = &convChoice{chosen: cands[pick], candidates: slices.Clone(cands), how: "timed"}
	return pick, "timed"
}

// timeCandidates times the candidates at the indices given on the pass's
// buffers, in scratch of the largest's size.
func (b *Backend) timeCandidates(pl *convPlan, pass convPass, call convCall, cands []convCandidate, which []int) {
	need := int64(4)
	for _, i := range which {
		need = max(need, cands[i].scratch)
	}
	ws, wsBytes := b.workspace.ptr, b.workspace.bytes
	if need > wsBytes {
		tmp, err := cu.MemAlloc(need)
		must("cuMemAlloc", err)
		defer func() {
			b.counts.HostSyncs++
			must("cuMemFree", cu.MemFree(tmp))
		}()
		ws, wsBytes = tmp, need
	}
	for _, i := range which {
		cands[i].micros, cands[i].failed = b.timePass(pl, pass, cands[i], call, ws, wsBytes)
	}
}

// timePass runs candidate c once to warm up, then convRounds rounds of
// convReps runs each, and returns the best round's µs per run, or why it
// failed.
func (b *Backend) timePass(pl *convPlan, pass convPass, c convCandidate, call convCall, ws cu.DevicePtr, wsBytes int64) (micros float64, failed string) {
	defer func() {
		if r := recover(); r != nil {
			micros, failed = 0, fmt.Sprint(r)
		}
	}()
	run := func() {
		if c.own() {
			b.ownPass(pl.p, pass, call, ws, wsBytes)
		} else if st := b.dnnPass(pl, pass, c.algo, call, ws, wsBytes); st != 0 {
			panic(dnnStatus(st))
		}
	}
	sync := func() {
		b.counts.HostSyncs++
		must("cuStreamSynchronize", b.stream.Synchronize())
	}
	run()
	sync()
	micros = math.Inf(1)
	for r := 0; r < convRounds; r++ {
		start := time.Now()
		for i := 0; i < convReps; i++ {
			run()
		}
		sync()
		micros = min(micros, float64(time.Since(start).Nanoseconds())/1e3/convReps)
	}
	return micros, ""
}
