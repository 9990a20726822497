//go:build cuda

package gpu

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"

	"mnistgpu/engine"
)

// A convolution pass runs either on cuDNN, with NHWC tensors and KRSC
// filters, or on the backend's own path: one implicit-GEMM kernel
// (igemm.go, kernels/igemm.cu). Which one is chosen per shape and pass the
// first time the pass runs (convtune.go). cuDNN pads symmetrically; where
// TensorFlow's "same" padding puts the odd row or column at the bottom or
// right (even kernels, strides), the input is zero-padded explicitly into a
// scratch tensor for cuDNN, which then runs unpadded on it; the own path
// reads the padding as zeros and needs no copy.
type convKey struct {
	p    engine.ConvParams
	tf32 bool
}

type convPlan struct {
	p                   engine.ConvParams
	c                   *C.mg_conv
	explicit            bool // cuDNN: pad into scratch first
	padBottom, padRight int
	paddedH, paddedW    int
	// choice of each pass, nil until the pass first runs.
	choice [convPasses]*convChoice
}

func (b *Backend) plan(p engine.ConvParams) *convPlan {
	key := convKey{p, b.opt.TF32}
	if pl, ok := b.plans[key]; ok {
		return pl
	}
	bottom := max(0, (p.OH-1)*p.SH+p.R-p.H-p.PadTop)
	right := max(0, (p.OW-1)*p.SW+p.S-p.W-p.PadLeft)
	pl := &convPlan{p: p, padBottom: bottom, padRight: right}
	shape := C.mg_conv_shape{
		n: C.int(p.N), h: C.int(p.H), w: C.int(p.W), c: C.int(p.C), k: C.int(p.K), r: C.int(p.R), s: C.int(p.S),
		pad_h: C.int(p.PadTop), pad_w: C.int(p.PadLeft), stride_h: C.int(p.SH), stride_w: C.int(p.SW),
		out_h: C.int(p.OH), out_w: C.int(p.OW), tf32: cbool(b.opt.TF32),
	}
	if bottom != p.PadTop || right != p.PadLeft {
		pl.explicit = true
		pl.paddedH, pl.paddedW = p.H+p.PadTop+bottom, p.W+p.PadLeft+right
		shape.h, shape.w, shape.pad_h, shape.pad_w = C.int(pl.paddedH), C.int(pl.paddedW), 0, 0
	}
	var status C.int
	errbuf := (*C.char)(C.malloc(256))
	defer C.free(unsafe.Pointer(errbuf))
	pl.c = C.mg_conv_new(b.dnn, &shape, &status, errbuf, 256)
	if pl.c == nil {
		msg := C.GoString(errbuf)
		if status > 0 {
			msg += ": " + dnnStatus(status)
		}
		panic(fmt.Sprintf("gpu: cuDNN convolution %+v: %s", p, msg))
	}
	b.plans[key] = pl
	return pl
}

func (pl *convPlan) paddedLen(p engine.ConvParams) int { return p.N * pl.paddedH * pl.paddedW * p.C }

// pad writes x zero-padded into the scratch tensor.
func (b *Backend) pad(p engine.ConvParams, pl *convPlan, x engine.Buffer) engine.Buffer {
	xp := b.padded.buffer(pl.paddedLen(p))
	b.launch("pad_nhwc", pl.paddedLen(p), p.N, p.H, p.W, p.C, p.PadTop, p.PadLeft, pl.paddedH, pl.paddedW, x, xp)
	return xp
}

// library counts a cuBLAS or cuDNN call as one kernel.
func (b *Backend) library() {
	b.counts.Kernels++
	b.counts.LibraryCalls++
}

func (b *Backend) dnnCheck(call string, p engine.ConvParams, st C.int) {
	if st != 0 {
		panic(fmt.Sprintf("gpu: %s %+v: %s", call, p, dnnStatus(st)))
	}
}

// convCall is a pass's buffers: forward (x, w → y), backward data (dy, w →
// dx), backward filter (x, dy → dw).
type convCall struct{ in1, in2, out engine.Buffer }

func (b *Backend) Conv2DForward(p engine.ConvParams, x, w, y engine.Buffer) {
	b.convolve(p, fprop, convCall{x, w, y})
}

func (b *Backend) Conv2DBackwardData(p engine.ConvParams, dy, w, dx engine.Buffer) {
	b.convolve(p, dgrad, convCall{dy, w, dx})
}

func (b *Backend) Conv2DBackwardFilter(p engine.ConvParams, x, dy, dw engine.Buffer) {
	b.convolve(p, wgrad, convCall{x, dy, dw})
}

// convolve runs a pass with the algorithm chosen for its shape, choosing it
// first if this is the pass's first run.
func (b *Backend) convolve(p engine.ConvParams, pass convPass, call convCall) {
	defer b.enter()()
	pl := b.plan(p)
	ch := pl.choice[pass]
	if ch == nil {
		ch = b.choose(pl, pass, call)
	}
	b.runPass(pl, pass, ch.chosen, call, b.workspace.ptr, b.workspace.bytes)
}

// runPass queues one pass with candidate c, whose scratch (cuDNN's
// workspace, the own backward filter's chunk sums) is ws.
func (b *Backend) runPass(pl *convPlan, pass convPass, c convCandidate, call convCall, ws cu.DevicePtr, wsBytes int64) {
	if c.own() {
		b.ownPass(pl.p, pass, call, ws, wsBytes)
		return
	}
	b.dnnCheck("cudnnConvolution"+pass.api(), pl.p, b.dnnPass(pl, pass, c.algo, call, ws, wsBytes))
}

// dnnPass queues a pass on cuDNN and returns its status.
// dnnStatus is cuDNN's name for a status.
func dnnStatus(st C.int) string { return C.GoString(C.mg_dnn_status(st)) }

func (b *Backend) dnnPass(pl *convPlan, pass convPass, algo int, call convCall, ws cu.DevicePtr, wsBytes int64) C.int {
	p, in1, out := pl.p, call.in1, call.out
	if pl.explicit {
		switch pass {
		case fprop, wgrad:
			in1 = b.pad(p, pl, in1)
		case dgrad:
			out = b.padded.buffer(pl.paddedLen(p))
		}
	}
	b.library()
	st := C.mg_conv_run(pl.c, C.int(pass), C.int(algo), C.uintptr_t(ptr(in1)), C.uintptr_t(ptr(call.in2)),
		C.uintptr_t(ptr(out)), C.uintptr_t(ws), C.size_t(wsBytes))
	if st == 0 && pl.explicit && pass == dgrad {
		b.launch("crop_nhwc", p.N*p.H*p.W*p.C, p.N, p.H, p.W, p.C, p.PadTop, p.PadLeft, pl.paddedH, pl.paddedW, out, call.out)
	}
	return st
}

// ownPass queues a pass on the backend's own implicit-GEMM kernels
// (igemm.go), one launch each; the backward filter's chunk sums go in ws,
// of wsBytes.
func (b *Backend) ownPass(p engine.ConvParams, pass convPass, call convCall, ws cu.DevicePtr, wsBytes int64) {
	switch pass {
	case fprop:
		b.igFprop(p, igStore, engine.Linear, 0, call.in1, call.in2, call.in1, call.out, call.out, call.out)
	case dgrad:
		b.igDgrad(p, call.in1, call.in2, call.out)
	case wgrad:
		b.igWgrad(p, call.in1, call.in2, call.out, ws, wsBytes)
	}
}
