//go:build cuda

package gpu

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"

	"mnistgpu/engine"
)

// A convolution runs on cuDNN with NHWC tensors and KRSC filters. cuDNN pads
// symmetrically; where TensorFlow's "same" padding puts the odd row or column
// at the bottom or right (even kernels, strides), the input is zero-padded
// explicitly into a scratch tensor and cuDNN runs unpadded on it.
type convKey struct {
	p    engine.ConvParams
	tf32 bool
}

type convPlan struct {
	c                   *C.mg_conv
	explicit            bool // pad into scratch first
	padBottom, padRight int
	paddedH, paddedW    int
}

func (b *Backend) plan(p engine.ConvParams) *convPlan {
	key := convKey{p, b.opt.TF32}
	if pl, ok := b.plans[key]; ok {
		return pl
	}
	bottom := max(0, (p.OH-1)*p.SH+p.R-p.H-p.PadTop)
	right := max(0, (p.OW-1)*p.SW+p.S-p.W-p.PadLeft)
	pl := &convPlan{padBottom: bottom, padRight: right}
	shape := C.mg_conv_shape{
		n: C.int(p.N), h: C.int(p.H), w: C.int(p.W), c: C.int(p.C), k: C.int(p.K), r: C.int(p.R), s: C.int(p.S),
		pad_h: C.int(p.PadTop), pad_w: C.int(p.PadLeft), stride_h: C.int(p.SH), stride_w: C.int(p.SW),
		out_h: C.int(p.OH), out_w: C.int(p.OW), tf32: cbool(b.opt.TF32), deterministic: cbool(!b.opt.TF32),
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
			msg += ": " + C.GoString(C.mg_dnn_status(status))
		}
		panic(fmt.Sprintf("gpu: cuDNN convolution %+v: %s", p, msg))
	}
	if nd := int(C.mg_conv_nondeterministic(pl.c)); nd > 0 {
		// Parity mode asked for determinism that this cuDNN cannot give for
		// this shape: run anyway, and say so wherever the device is described.
		b.nondeterministic += nd
		fmt.Fprintf(os.Stderr, "cuda: cuDNN has no deterministic algorithm for %d pass(es) of convolution %dx%dx%d→%d (%dx%d); using non-deterministic ones\n",
			nd, p.H, p.W, p.C, p.K, p.R, p.S)
	}
	b.workspace.get(int64(max(C.mg_conv_workspace(pl.c), 4)))
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
		panic(fmt.Sprintf("gpu: %s %+v: %s", call, p, C.GoString(C.mg_dnn_status(st))))
	}
}

func (b *Backend) Conv2DForward(p engine.ConvParams, x, w, y engine.Buffer) {
	defer b.enter()()
	pl := b.plan(p)
	if pl.explicit {
		x = b.pad(p, pl, x)
	}
	ws := b.workspace
	b.library()
	b.dnnCheck("cudnnConvolutionForward", p, C.mg_conv_forward(pl.c, C.uintptr_t(ptr(x)), C.uintptr_t(ptr(w)),
		C.uintptr_t(ptr(y)), C.uintptr_t(ws.ptr), C.size_t(ws.bytes)))
}

func (b *Backend) Conv2DBackwardData(p engine.ConvParams, dy, w, dx engine.Buffer) {
	defer b.enter()()
	pl := b.plan(p)
	out := dx
	if pl.explicit {
		out = b.padded.buffer(pl.paddedLen(p))
	}
	ws := b.workspace
	b.library()
	b.dnnCheck("cudnnConvolutionBackwardData", p, C.mg_conv_backward_data(pl.c, C.uintptr_t(ptr(dy)),
		C.uintptr_t(ptr(w)), C.uintptr_t(ptr(out)), C.uintptr_t(ws.ptr), C.size_t(ws.bytes)))
	if pl.explicit {
		b.launch("crop_nhwc", p.N*p.H*p.W*p.C, p.N, p.H, p.W, p.C, p.PadTop, p.PadLeft, pl.paddedH, pl.paddedW, out, dx)
	}
}

func (b *Backend) Conv2DBackwardFilter(p engine.ConvParams, x, dy, dw engine.Buffer) {
	defer b.enter()()
	pl := b.plan(p)
	if pl.explicit {
		x = b.pad(p, pl, x)
	}
	ws := b.workspace
	b.library()
	b.dnnCheck("cudnnConvolutionBackwardFilter", p, C.mg_conv_backward_filter(pl.c, C.uintptr_t(ptr(x)),
		C.uintptr_t(ptr(dy)), C.uintptr_t(ptr(dw)), C.uintptr_t(ws.ptr), C.size_t(ws.bytes)))
}
