//go:build cuda

package gpu

import (
	"fmt"

	"gorgonia.org/cu"

	"mnistgpu/engine"
)

// The backend's own convolution kernels (kernels/igemm.cu): each pass is one
// implicit-GEMM launch that reads its operands straight from the tensors,
// with no im2col or col2im buffer, and adds every sum in an order fixed by
// the sizes, so that it gives the same bits on every run.
//
//	pass             GEMM rows        columns   reduction
//	forward          N·OH·OW pixels   K         R·S·C
//	backward data    N·H·W pixels     C         R·S·K (taps that reach an output)
//	backward filter  K filters        R·S·C     N·OH·OW, in chunks (wgradSplit)

// igTile is a kernel's tile of the GEMM: bm rows by bn columns, a thread
// for each 4×4 outputs.
type igTile struct{ bm, bn int }

func (t igTile) threads() int { return t.bm * t.bn / 16 }

// igTiles are the tiles igemm.cu has a kernel of for each pass.
var igTiles = []igTile{{128, 32}, {64, 64}, {64, 32}, {32, 64}, {32, 32}}

const (
	igBK = 16 // reduction rows per step (IG_BK)
	// igMinBlocks: the forward and backward-data passes take the largest
	// tile that still gives this many blocks (an H200 has 132 SMs).
	igMinBlocks = 128
	// The forward pass's epilogues (IG_STORE … in igemm.cu).
	igStore       = 0
	igBiasAct     = 1
	igBiasActPool = 2
)

// kernel is the tile's kernel of a pass: igemm.cu's fp32 one, or with tf32
// igemm_tf32.cu's on the tensor cores.
func (t igTile) kernel(pass string, tf32 bool) string {
	if tf32 {
		return fmt.Sprintf("conv_%s_tf32_%dx%d", pass, t.bm, t.bn)
	}
	return fmt.Sprintf("conv_%s_%dx%d", pass, t.bm, t.bn)
}

// igTileFor picks the tile for a GEMM of m rows and n columns (one of
// igTiles), or b.conv.tile where a test sets one: 32 columns where there
// are no more (the report's first layer has 32 filters, its filter
// gradient 9 columns), else 64; 32 rows where there are no more, else the
// tallest tile that gives at least minBlocks blocks. The tile changes no
// result, only the speed.
func (b *Backend) igTileFor(m, n, minBlocks int) igTile {
	if b.conv.tile != (igTile{}) {
		return b.conv.tile
	}
	bn := 64
	if n <= 32 {
		bn = 32
	}
	if m > 32 {
		for _, bm := range []int{128, 64} {
			if bm*bn <= 4096 && ceilDiv(m, bm)*ceilDiv(n, bn) >= minBlocks {
				return igTile{bm, bn}
			}
		}
	}
	return igTile{32, bn}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// igConvArgs are the sizes every kernel of igemm.cu takes first (ig_conv).
func igConvArgs(p engine.ConvParams, rest ...any) []any {
	return append([]any{p.N, p.H, p.W, p.C, p.K, p.R, p.S, p.SH, p.SW, p.PadTop, p.PadLeft, p.OH, p.OW}, rest...)
}

// igFprop queues the forward pass with epilogue mode (igStore: out0 = y;
// igBiasAct: out0 = z, out1 = f(z); igBiasActPool: the pooled f(z), its
// argmax and its z). Unused buffers may be any valid ones.
func (b *Backend) igFprop(p engine.ConvParams, mode int, f engine.Activation, alpha float32, x, w, bias, out0, out1, out2 engine.Buffer) {
	t := b.igTileFor(p.N*p.OH*p.OW, p.K, igMinBlocks)
	b.launchGrid(t.kernel("fprop", b.convTF32), ceilDiv(p.N*p.OH*p.OW, t.bm), ceilDiv(p.K, t.bn), t.threads(), 1,
		igConvArgs(p, mode, int(f), alpha, x, w, bias, out0, out1, out2)...)
}

// igDgrad queues the backward-data pass: a gather, each dx element summed
// by the thread that stores it.
func (b *Backend) igDgrad(p engine.ConvParams, dy, w, dx engine.Buffer) {
	t := b.igTileFor(p.N*p.H*p.W, p.C, igMinBlocks)
	b.launchGrid(t.kernel("dgrad", b.convTF32), ceilDiv(p.N*p.H*p.W, t.bm), ceilDiv(p.C, t.bn), t.threads(), 1,
		igConvArgs(p, dy, w, dx)...)
}

// The backward-filter pass splits its reduction, the N·OH·OW output
// pixels, into chunks so that a small filter gradient still runs enough
// blocks: about igWgradBlocks in all, each chunk at least igWgradMinRows
// pixels. The split is a function of the sizes alone (never of the device
// or of timing), so the bits are the same on every card and every run.
const (
	igWgradBlocks  = 256
	igWgradMinRows = 256
)

// igSplit is a backward-filter pass's grid: tiles of the K × R·S·C
// gradient, and chunks of chunk pixels each (a multiple of igBK).
type igSplit struct {
	tile                 igTile
	tiles, chunks, chunk int
}

// wgradSplit plans the backward filter of p: chunks as above, or
// b.conv.chunks where a test sets it.
func (b *Backend) wgradSplit(p engine.ConvParams) igSplit {
	kg, rows := p.R*p.S*p.C, p.N*p.OH*p.OW
	s := igSplit{tile: b.igTileFor(p.K, kg, 1)} // the chunks make the blocks
	s.tiles = ceilDiv(p.K, s.tile.bm) * ceilDiv(kg, s.tile.bn)
	chunks := b.conv.chunks
	if chunks <= 0 {
		chunks = min(ceilDiv(igWgradBlocks, s.tiles), ceilDiv(rows, igWgradMinRows))
	}
	chunks = min(max(chunks, 1), 65535)
	s.chunk = ceilDiv(ceilDiv(rows, chunks), igBK) * igBK
	s.chunks = ceilDiv(rows, s.chunk)
	return s
}

// scratch is the bytes of the chunks' partial sums (none with one chunk).
func (s igSplit) scratch(p engine.ConvParams) int64 {
	if s.chunks == 1 {
		return 0
	}
	return 4 * int64(s.chunks) * int64(p.K) * int64(p.R*p.S*p.C)
}

// igWgrad queues the backward-filter pass; ws, of wsBytes, holds the
// partial sums (wgradSplit(p).scratch bytes).
func (b *Backend) igWgrad(p engine.ConvParams, x, dy, dw engine.Buffer, ws cu.DevicePtr, wsBytes int64) {
	s := b.wgradSplit(p)
	if need := s.scratch(p); need > wsBytes {
		panic(fmt.Sprintf("gpu: backward filter of %s in %d chunks needs %d bytes of scratch, has %d", convShape(p), s.chunks,
			need, wsBytes))
	}
	part, done := ptr(dw), ptr(dw) // unread with one chunk
	if s.chunks > 1 {
		part, done = ws, b.biasDone(s.tiles)
	}
	b.launchGrid(s.tile.kernel("wgrad", b.convTF32), s.tiles, s.chunks, s.tile.threads(), 1,
		igConvArgs(p, s.chunk, x, dy, part, done, dw)...)
}

// convBiasActForward is the forward pass with the layer's bias and
// activation applied as it stores: z = conv(x, w) + bias, y = f(z), bit for
// bit what Conv2DForward's own path then BiasActivationForward give.
func (b *Backend) convBiasActForward(p engine.ConvParams, f engine.Activation, alpha float32, x, w, bias, z, y engine.Buffer) {
	elementwise(f, "convBiasActForward")
	b.igFprop(p, igBiasAct, f, alpha, x, w, bias, z, y, y)
}

// poolFollows: pp is a 2×2 stride-2 max pool without padding over the
// whole output of cp, which must then be of even height and width, so
// that every output pixel is in exactly one window.
func poolFollows(cp engine.ConvParams, pp engine.PoolParams) bool {
	return pp.PH == 2 && pp.PW == 2 && pp.SH == 2 && pp.SW == 2 && pp.PadTop == 0 && pp.PadLeft == 0 &&
		cp.OH%2 == 0 && cp.OW%2 == 0 && pp.N == cp.N && pp.H == cp.OH && pp.W == cp.OW && pp.C == cp.K &&
		pp.OH == cp.OH/2 && pp.OW == cp.OW/2
}

// convBiasActPoolForward is the forward pass, the bias, the activation and
// the 2×2 stride-2 max pool that follows, in one launch: py = the pool of
// f(z) as MaxPoolForward gives it, arg = the window-local index (0…3,
// row-major) of the first maximum as a float, pz = the z there (each
// N·OH/2·OW/2 × K); z and f(z) themselves are not stored. It launches
// nothing and returns false where pp is not such a pool of cp's output
// (poolFollows): callers compose the passes then.
func (b *Backend) convBiasActPoolForward(cp engine.ConvParams, pp engine.PoolParams, f engine.Activation, alpha float32,
	x, w, bias, py, arg, pz engine.Buffer) bool {
	if !poolFollows(cp, pp) {
		return false
	}
	elementwise(f, "convBiasActPoolForward")
	b.igFprop(cp, igBiasActPool, f, alpha, x, w, bias, py, arg, pz)
	return true
}
