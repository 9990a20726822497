//go:build cuda

package gpu

/*
#include <cuda.h>
#include "shim.h"

// 1 while stream s is being captured into a graph, 0 if not, -1 if the
// driver cannot say.
static int mg_stream_capturing(void* s) {
	CUstreamCaptureStatus st;
	if (cuStreamIsCapturing((CUstream)s, &st) != CUDA_SUCCESS) return -1;
	return st != CU_STREAM_CAPTURE_STATUS_NONE;
}
*/
import "C"

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"mnistgpu/engine"
)

// Choosing a convolution algorithm. The first time a pass (forward,
// backward data, backward filter) of a shape runs, the backend lists its
// candidates:
//
//   - every algorithm cuDNN's cudnnGet*Algorithm_v7 reports working for the
//     shape, with the workspace cudnnGet*WorkspaceSize gives;
//   - the own path: one implicit-GEMM kernel per pass (igemm.go), named
//     ownName.
//
// A candidate's scratch may not exceed convScratchLimit. In parity mode only
// deterministic candidates qualify: cuDNN's flagged CUDNN_DETERMINISTIC,
// without tensor-op maths, and the own path (every sum in an order fixed
// by the sizes, no float atomics). With TF32 allowed every candidate
// qualifies. Only where none qualifies (no deterministic cuDNN algorithm and
// the own path over the limit) does parity mode fall back to a
// non-deterministic one, and Describe says so.
//
// The choice is a fixed rule, the same in every process: the own path
// where it qualifies and fits the scratch limit, else cuDNN's first
// qualifying algorithm in its heuristic order. Two deterministic algorithms
// sum in different orders, so a choice that could differ from one process
// to the next (timing noise) would break bit-identical reruns and resumes;
// on an H200 the timed choice did flip between two runs of the same
// command, and there the own path of the time (im2col and cuBLAS SGEMM,
// since replaced by the implicit-GEMM kernels, not yet timed on a card)
// was the fastest or tied in every pass of the report's CNN, with TF32 too
// but for one weight-gradient pass (docs/gpu-results.md). Timing lives in
// the tests (convtime_test.go, set as convTuning.measure):
// TestConvAlgorithmsOfTheCNN prints every candidate's time on a card.
// Tests force a candidate by name (convTuning.force) to check each against
// the reference.
//
// A pass's first run allocates its workspace, which a graph capture cannot
// record: a pass first seen while the stream captures panics, and Capture
// turns that into its error. Run a step eagerly before capturing it.
type convPass int

const (
	fprop convPass = iota
	dgrad
	wgrad
	convPasses
)

func (p convPass) String() string { return [...]string{"fprop", "dgrad", "wgrad"}[p] }

// api is the pass's cuDNN function name after "cudnnConvolution".
func (p convPass) api() string { return [...]string{"Forward", "BackwardData", "BackwardFilter"}[p] }

const (
	// convScratchLimit bounds the scratch one candidate may use: cuDNN's
	// workspace or the own backward filter's chunk sums (a few MB).
	convScratchLimit = 256 << 20
)

// convTuning is how a backend chooses its convolution algorithms.
type convTuning struct {
	// measure, when set, picks among the qualifying candidates (their
	// indices) and says how; -1 leaves the pick to the fixed rule. Only
	// tests set it: they time every candidate (convtime_test.go) to
	// compare the fixed rule with the fastest, a choice that could differ
	// from one process to the next and so is never made in a run.
	measure func(b *Backend, pl *convPlan, pass convPass, call convCall, cands []convCandidate, qualified []int) (pick int, how string)
	// force names a candidate (ownName, "cudnn:algo_1") to choose
	// wherever a pass offers it qualifying; others follow the rule.
	force string
	// scratchLimit overrides convScratchLimit when positive; negative: 0.
	scratchLimit int64
	// chunks, when positive, overrides the own backward filter's number of
	// reduction chunks (wgradSplit); tests vary it.
	chunks int
	// tile, when set, is the own kernels' tile in every pass (igTileFor);
	// tests vary it.
	tile igTile
}

func (t convTuning) limit() int64 {
	switch {
	case t.scratchLimit > 0:
		return t.scratchLimit
	case t.scratchLimit < 0:
		return 0
	}
	return convScratchLimit
}

// ownAlgo marks the own path among cuDNN's algorithm numbers; ownName is
// its candidate's name.
const (
	ownAlgo = -1
	ownName = "own:implicit_gemm"
)

// convCandidate is one way to run a pass.
type convCandidate struct {
	name          string // "cudnn:implicit_precomp_gemm", ownName
	algo          int    // cuDNN's algorithm number, or ownAlgo
	deterministic bool
	tensorOps     bool  // cuDNN math type with tensor ops (TF32 for fp32 data)
	scratch       int64 // bytes of workspace or partial sums
	launches      int   // kernels per run (library calls included)
	micros        float64
	failed        string // why a timed run failed
}

func (c convCandidate) own() bool { return c.algo == ownAlgo }

// convChoice is a pass's candidates and the one it runs.
type convChoice struct {
	chosen     convCandidate
	candidates []convCandidate // as listed, with times where measured
	how        string          // "timed", "fixed rule", "forced"
	// nondeterministic: parity mode found no deterministic candidate.
	nondeterministic bool
}

// cuDNN's algorithm enums (cudnn_cnn.h, unchanged from cuDNN 7 to 9).
var dnnAlgoNames = [convPasses][]string{
	{"implicit_gemm", "implicit_precomp_gemm", "gemm", "direct", "fft", "fft_tiling", "winograd", "winograd_nonfused"},
	{"algo_0", "algo_1", "fft", "fft_tiling", "winograd", "winograd_nonfused"},
	{"algo_0", "algo_1", "fft", "algo_3", "winograd", "winograd_nonfused", "fft_tiling"},
}

func dnnAlgoName(pass convPass, algo int) string {
	if names := dnnAlgoNames[pass]; algo >= 0 && algo < len(names) {
		return "cudnn:" + names[algo]
	}
	return fmt.Sprintf("cudnn:%d", algo)
}

// convCandidates lists a pass's candidates: cuDNN's in its heuristic order,
// then the own path; those over the scratch limit are left out.
func (b *Backend) convCandidates(pl *convPlan, pass convPass) []convCandidate {
	var algos [16]C.mg_conv_algo
	var status C.int
	n := int(C.mg_conv_algos(pl.c, C.int(pass), &algos[0], C.int(len(algos)), &status))
	if n < 0 {
		panic(fmt.Sprintf("gpu: cudnnGetConvolution%sAlgorithm_v7 %+v: %s", pass.api(), pl.p, dnnStatus(status)))
	}
	limit := b.conv.limit()
	var out []convCandidate
	for _, a := range algos[:n] {
		c := convCandidate{name: dnnAlgoName(pass, int(a.algo)), algo: int(a.algo), deterministic: a.deterministic != 0,
			tensorOps: a.math_type == 1 || a.math_type == 2, scratch: int64(a.workspace), launches: 1}
		if pl.explicit {
			c.launches++ // pad_nhwc, or crop_nhwc after backward data
		}
		if c.scratch <= limit {
			out = append(out, c)
		}
	}
	p := pl.p
	own := convCandidate{name: b.ownCandidateName(), algo: ownAlgo, deterministic: true, launches: 1}
	if pass == wgrad {
		own.scratch = b.wgradSplit(p).scratch(p)
	}
	if own.scratch <= limit && !b.convLibrary {
		out = append(out, own)
	}
	return out
}

// qualifies: may this candidate run in the backend's mode?
func (b *Backend) qualifies(c convCandidate) bool {
	return b.opt.TF32 || (c.deterministic && !c.tensorOps)
}

// choose picks the algorithm of a pass's first run (see the top of this
// file) and grows the workspace to what it needs.
func (b *Backend) choose(pl *convPlan, pass convPass, call convCall) *convChoice {
	switch C.mg_stream_capturing(b.cstream()) {
	case 0:
	case 1:
		panic(fmt.Sprintf("gpu: convolution %s of %s first runs during a graph capture: its algorithm is chosen and "+
			"its workspace allocated at its first run, which a capture cannot do; run the step once eagerly before capturing it",
			pass, convShape(pl.p)))
	default:
		panic("gpu: cuStreamIsCapturing failed on the backend's stream")
	}
	ch := &convChoice{candidates: b.convCandidates(pl, pass)}
	var qualified []int
	for i, c := range ch.candidates {
		if b.qualifies(c) {
			qualified = append(qualified, i)
		}
	}
	if len(qualified) == 0 {
		for i := range ch.candidates {
			qualified = append(qualified, i)
		}
		if len(qualified) > 0 {
			ch.nondeterministic = true
		}
	}
	if len(qualified) == 0 {
		panic(fmt.Sprintf("gpu: no algorithm for convolution %s of %s (cuDNN offers none within %d MiB of workspace)",
			pass, convShape(pl.p), b.conv.limit()>>20))
	}
	pick := -1
	if b.conv.force != "" {
		for _, i := range qualified {
			if ch.candidates[i].name == b.conv.force {
				pick, ch.how = i, "forced"
			}
		}
	}
	if pick < 0 && b.conv.measure != nil {
		pick, ch.how = b.conv.measure(b, pl, pass, call, ch.candidates, qualified)
	}
	if pick < 0 {
		pick, ch.how = qualified[0], "fixed rule"
		for _, i := range qualified {
			if ch.candidates[i].own() {
				pick = i
			}
		}
	}
	ch.chosen = ch.candidates[pick]
	if ch.nondeterministic {
		b.nondeterministic++
		fmt.Fprintf(os.Stderr, "cuda: no deterministic algorithm fits convolution %s of %s; running the non-deterministic %s\n",
			pass, convShape(pl.p), ch.chosen.name)
	}
	b.workspace.get(max(ch.chosen.scratch, 4))
	pl.choice[pass] = ch
	return ch
}

func convShape(p engine.ConvParams) string {
	return fmt.Sprintf("n%d %dx%dx%d k%d %dx%d/%dx%d", p.N, p.H, p.W, p.C, p.K, p.R, p.S, p.SH, p.SW)
}

// sortedPlans are the backend's convolution plans in a stable order.
func (b *Backend) sortedPlans() []*convPlan {
	var out []*convPlan
	for _, pl := range b.plans {
		out = append(out, pl)
	}
	slices.SortFunc(out, func(x, y *convPlan) int { return compareConv(x.p, y.p) })
	return out
}

// compareConv orders convolution shapes for reports.
func compareConv(a, c engine.ConvParams) int {
	return cmp.Or(cmp.Compare(a.N, c.N), cmp.Compare(a.H, c.H), cmp.Compare(a.W, c.W), cmp.Compare(a.C, c.C),
		cmp.Compare(a.K, c.K), cmp.Compare(a.R, c.R), cmp.Compare(a.S, c.S), cmp.Compare(a.SH, c.SH),
		cmp.Compare(a.SW, c.SW), cmp.Compare(a.PadTop, c.PadTop), cmp.Compare(a.PadLeft, c.PadLeft))
}

// fusedFprop is how convSummary names a forward pass that ran fused with
// its bias, activation and 2×2 pool (convBiasActPoolForward), on the
// kernels the own path runs (ownCandidateName).
func (b *Backend) fusedFprop() string {
	return "fprop " + b.ownCandidateName() + " fused with bias, activation and pool"
}

// convSummary is Describe's account of the algorithms chosen so far: one
// entry per convolution shape with the chosen candidate of each pass run,
// and its time where timed.
//
// A forward pass fused with its pool has no plan (no algorithm is chosen
// for it): it is named first among its shape's passes.
func (b *Backend) convSummary() string {
	var shapes []string
	how := map[string]bool{}
	fused := maps.Clone(b.fusedConv)
	summarise := func(p engine.ConvParams, passes []string) {
		if fused[p] {
			passes = append([]string{b.fusedFprop()}, passes...)
			delete(fused, p)
		}
		if len(passes) > 0 {
			shapes = append(shapes, convShape(p)+": "+strings.Join(passes, ", "))
		}
	}
	for _, pl := range b.sortedPlans() {
		// Shapes fused alone that sort before this plan's come first.
		for _, p := range slices.SortedFunc(maps.Keys(fused), compareConv) {
			if compareConv(p, pl.p) < 0 {
				summarise(p, nil)
			}
		}
		var passes []string
		for pass, ch := range pl.choice {
			if ch == nil {
				continue
			}
			how[ch.how] = true
			s := fmt.Sprintf("%s %s", convPass(pass), ch.chosen.name)
			if ch.chosen.micros > 0 {
				s += fmt.Sprintf(" %.1fµs", ch.chosen.micros)
			}
			passes = append(passes, s)
		}
		summarise(pl.p, passes)
	}
	for _, p := range slices.SortedFunc(maps.Keys(fused), compareConv) {
		summarise(p, nil)
	}
	if len(shapes) == 0 {
		return ""
	}
	if len(how) == 0 {
		return "; convolutions: " + strings.Join(shapes, "; ")
	}
	var hows []string
	for h := range how {
		hows = append(hows, h)
	}
	sort.Strings(hows)
	note := strings.Join(hows, "/")
	if how["fixed rule"] {
		note += ": the own path where it fits, else cuDNN's first qualifying algorithm"
	}
	return fmt.Sprintf("; convolution algorithms (%s): %s", note, strings.Join(shapes, "; "))
}

// ConvReport lists, for every convolution shape and pass run so far, the
// algorithm chosen, how, and every candidate with its time (µs per run,
// where timed) or why it was passed over. One line per pass.
func (b *Backend) ConvReport() string {
	var sb strings.Builder
	for _, pl := range b.sortedPlans() {
		for pass, ch := range pl.choice {
			if ch == nil {
				continue
			}
			fmt.Fprintf(&sb, "%s %s: %s (%s)", convShape(pl.p), convPass(pass), ch.chosen.name, ch.how)
			if ch.nondeterministic {
				sb.WriteString(" NON-DETERMINISTIC")
			}
			sb.WriteString(";")
			for _, c := range ch.candidates {
				fmt.Fprintf(&sb, " %s", c.name)
				switch {
				case c.failed != "":
					fmt.Fprintf(&sb, " failed (%s)", c.failed)
				case !b.qualifies(c) && !ch.nondeterministic:
					sb.WriteString(" not deterministic")
				case c.micros > 0:
					fmt.Fprintf(&sb, " %.1fµs", c.micros)
				}
				fmt.Fprintf(&sb, " [%s scratch, kernels %d],", bytesText(c.scratch), c.launches)
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// convLaunches is the kernels a pass of shape p runs per call with its
// chosen algorithm, 0 if it has not run.
func (b *Backend) convLaunches(p engine.ConvParams, pass convPass) int {
	pl, ok := b.plans[convKey{p, b.opt.TF32}]
	if !ok || pl.choice[pass] == nil {
		return 0
	}
	return pl.choice[pass].chosen.launches
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
