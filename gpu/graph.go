//go:build cuda

package gpu

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>

// Thread-local mode: what this thread does while capturing must be
// capturable; other threads (other backends of the process, as in study
// --jobs) go on as usual.
static CUresult mg_begin_capture(void* s) {
	return cuStreamBeginCapture((CUstream)s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}

// Ends the capture and instantiates what it recorded.
static CUresult mg_end_capture(void* s, CUgraphExec* exec) {
	CUgraph g;
	CUresult st = cuStreamEndCapture((CUstream)s, &g);
	if (st != CUDA_SUCCESS) return st;
	st = cuGraphInstantiateWithFlags(exec, g, 0);
	cuGraphDestroy(g);
	return st;
}

static CUresult mg_graph_launch(CUgraphExec e, void* s) { return cuGraphLaunch(e, (CUstream)s); }
static CUresult mg_graph_free(CUgraphExec e) { return cuGraphExecDestroy(e); }
*/
import "C"

import (
	"fmt"

	"mnistgpu/engine"
)

// Graph is device work recorded once by Capture and run again by each
// Launch, as one CUDA graph launch: the same kernels with the same
// arguments, on the same buffers, whose contents may have changed.
type Graph struct {
	b    *Backend
	exec C.CUgraphExec
	// work is what one launch runs, added to the backend's counts.
	work engine.Counts
	// moves is the backend's scratchMoves at capture.
	moves int
}

// Capture records the device work that fn queues on the backend (kernels,
// cuBLAS and cuDNN calls, device copies and fills) into a graph, without
// running it. fn must not wait for the device or allocate: a copy to or
// from the host, Synchronize, Alloc, Free, or a first use of a convolution
// shape or a larger scratch buffer fails the capture (run the work once
// before capturing it). Scalars and buffer addresses are fixed at capture.
// The graph is an engine.Graph (*Graph).
func (b *Backend) Capture(fn func()) (g engine.Graph, err error) {
	defer b.enter()()
	before := b.counts
	if st := C.mg_begin_capture(b.cstream()); st != C.CUDA_SUCCESS {
		return nil, fmt.Errorf("cuda: cuStreamBeginCapture: CUresult %d", int(st))
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("cuda: capturing a graph: %v", r)
			}
		}()
		fn()
	}()
	var exec C.CUgraphExec
	st := C.mg_end_capture(b.cstream(), &exec)
	work := b.counts.Sub(before)
	b.counts = before // nothing ran
	if err != nil {
		if st == C.CUDA_SUCCESS {
			C.mg_graph_free(exec)
		}
		return nil, err
	}
	if st != C.CUDA_SUCCESS {
		return nil, fmt.Errorf("cuda: ending the capture of a graph: CUresult %d (a call in it waited for the device or allocated)", int(st))
	}
	return &Graph{b: b, exec: exec, work: work, moves: b.scratchMoves()}, nil
}

// Launch queues the recorded work once on the backend's stream; it fails
// with engine.ErrStaleGraph, queueing nothing, when a scratch buffer has
// been reallocated since the capture (the graph would use freed memory).
func (g *Graph) Launch() error {
	b := g.b
	if b.scratchMoves() != g.moves {
		return engine.ErrStaleGraph
	}
	defer b.enter()()
	if st := C.mg_graph_launch(g.exec, b.cstream()); st != C.CUDA_SUCCESS {
		panic(fmt.Sprintf("gpu: cuGraphLaunch: CUresult %d", int(st)))
	}
	b.counts.GraphLaunches++
	b.counts.Kernels += g.work.Kernels
	b.counts.LibraryCalls += g.work.LibraryCalls
	b.counts.Copies += g.work.Copies
	return nil
}

// Free releases the graph.
func (g *Graph) Free() {
	if g.exec == nil {
		return
	}
	defer g.b.enter()()
	C.mg_graph_free(g.exec)
	g.exec = nil
}
