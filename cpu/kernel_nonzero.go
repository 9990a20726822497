package cpu

import "unsafe"

// The portable kernel over A's non-zero values only.
//
// A scalar core does one multiply and one add per product (MULSS and ADDSS
// on amd64: by construction at most 1.5 products a cycle where three ports
// take them, as on the development VM's Xeon), so no schedule of the same
// products makes the portable kernel much faster. It can make fewer: the
// CNN's gradients below a 2×2 max pool are at least three quarters zeros (the
// pool passes each window's gradient to one input, ReLU drops more), and
// ReLU's outputs, the next layer's input, are partly zeros too. Counted in
// the report's CNN (go test -bench TrainStep/cnn, batch 64): the A operand of
// the conv2 backward-data GEMM (dy) is 82% zeros, that of the backward-filter
// GEMM (dyᵀ) the same, the forward GEMM's (im2col of the pooled
// activations) 32%.
//
// Skipping a zero of A leaves every sum's bits as they were, provided B's
// values in that block are finite: a product 0·b with b finite is ±0, and a
// sum that starts from +0 never becomes −0 under round-to-nearest (x + y is
// −0 only when both are −0), so adding ±0 leaves it unchanged. With an
// infinity or NaN in B, 0·b is NaN and must be added: the driver checks B
// (allFinite) and uses the dense kernel then. The sums are still taken in k
// order from zero, so the bits are the plain loop's, as kernelGo's are, at
// any thread count.
//
// The driver collects the non-zero values of an mr-row panel of A once per
// kc block (nonZeroRows) and reuses them for every column panel of B.

// skipZeros says whether the GEMM driver gives the micro-kernel A's non-zero
// values only: when the kernel is the portable one (portableKernel). The
// assembly kernels keep reading A whole: their bits must not depend on the
// data's zeros, and a vector kernel gains little from skipping a lane.
var skipZeros = portableKernel

// nzEntry is one non-zero value of a row of A and the byte offset of its
// row of B (p·ldb·4).
type nzEntry struct {
	v float32
	o uint32
}

// nonZeroRows is the non-zero values of up to mr rows of A over a kb-deep
// block: row i's are e[i*kb : i*kb+n[i]], in k order.
type nonZeroRows struct {
	e []nzEntry
	n [maxMR]int
	k int
}

// nonZeroScratch is the number of float32 a nonZeroRows of mr×kc entries
// occupies in the GEMM scratch.
func nonZeroScratch() int { return 2 * mr * kc }

// nonZeroFits says whether the byte offsets of B's rows p < kb, row stride
// ldb, fit an nzEntry.
func nonZeroFits(kb, ldb int) bool { return uint64(kb)*uint64(ldb)*4 < 1<<32 }

// collectNonZero fills z from rows i < rows of A(i, p) = a[i*rs+p*ks],
// p < kb, for a B of row stride ldb, using scratch (nonZeroScratch floats).
func collectNonZero(z *nonZeroRows, scratch []float32, a []float32, rs, ks, rows, kb, ldb int) {
	e := unsafe.Slice((*nzEntry)(unsafe.Pointer(unsafe.SliceData(scratch))), len(scratch)/2)
	z.e, z.k = e[:rows*kb], kb
	_ = a[(rows-1)*rs+(kb-1)*ks]
	sa, sb := uintptr(ks)*4, uint32(ldb)*4
	for i := 0; i < rows; i++ {
		row := z.e[i*kb : (i+1)*kb]
		z.n[i] = compressRow(unsafe.Pointer(unsafe.SliceData(row)), unsafe.Pointer(&a[i*rs]), sa, sb, kb)
	}
}

// compressRow writes the non-zero values among kb values of A from a (byte
// stride sa) to dst as nzEntries with offsets p·sb, and returns how many. It
// writes every value, at the next free place (never past its own), and
// tests for zero on the bits (±0 are the only values whose bits, sign
// dropped, are 0), so that no branch and no float compare depends on the
// data. Not inlined: in collectNonZero's loop the outer values crowd the
// registers and the loop's go to the stack.
//
//go:noinline
func compressRow(dst, a unsafe.Pointer, sa uintptr, sb uint32, kb int) int {
	n, oa, ob := uintptr(0), uintptr(0), uint32(0)
	for ; kb > 0; kb-- {
		v := *(*uint32)(unsafe.Add(a, oa))
		e := (*[2]uint32)(unsafe.Add(dst, n))
		e[0], e[1] = v, ob
		n += uintptr(uint64(-int64(v<<1))>>63) << 3 // 8 when v is not ±0 (shifted as 64 bits: a uintptr may have 32)
		oa, ob = oa+sa, ob+sb
	}
	return int(n / 8)
}

// allFinite reports whether rows p < kb, columns j < cols of b (row stride
// ldb) hold no infinity and no NaN. A float32 is not finite when its
// exponent bits are all set; adding 2²³ to them then carries into bit 31,
// which nothing else reaches, so one OR over every value and one test at the
// end tell.
func allFinite(b []float32, ldb, kb, cols int) bool {
	if kb == 0 || cols == 0 {
		return true
	}
	_ = b[(kb-1)*ldb+cols-1]
	const exp = 0x7f800000
	var bad uint32
	for p := 0; p < kb; p++ {
		row := unsafe.Slice((*uint32)(unsafe.Pointer(&b[p*ldb])), cols)
		for _, v := range row {
			bad |= v&exp + 1<<23
		}
	}
	return bad>>31 == 0
}

// kernelGoNonZero is kernelGo with A given by its non-zero values z, for
// the rows × cols corner of the tile only (rows ≤ mr, cols ≤ nr); B's rows
// are at the byte offsets z holds from b. The same bits as kernelGo when B's
// kb×cols block is finite (see the top of the file).
func kernelGoNonZero(z *nonZeroRows, b []float32, ldb int, c []float32, ldc, rows, cols int, alpha float32, overwrite bool) {
	if rows == 0 || cols == 0 {
		return
	}
	_ = c[(rows-1)*ldc+cols-1]
	_ = b[max(z.k-1, 0)*ldb+cols-1]
	pb := unsafe.Pointer(unsafe.SliceData(b))
	for i := 0; i < rows; i++ {
		row := c[i*ldc : i*ldc+cols]
		e := z.e[i*z.k : i*z.k+z.n[i]]
		j := 0
		for ; j+8 <= cols; j += 8 {
			strip8NonZero(e, unsafe.Add(pb, j*4), (*[8]float32)(row[j:j+8]), alpha, overwrite)
		}
		for ; j < cols; j++ {
			strip1NonZero(e, unsafe.Add(pb, j*4), &row[j], alpha, overwrite)
		}
	}
}

// strip8NonZero sets c[j] to alpha·Σ over e of v·B(o, j) for j < 8 (or
// adds it, without overwrite), B(o, j) the float32 at byte offset o + 4j from
// b; every offset is inside B (checked by the caller). It stores the sums
// itself: returned as an array, they went through the stack, and reading
// them back 16 bytes at a time from eight 4-byte stores stalled on store
// forwarding at every call (perf annotate: 40% of kernelGoNonZero). Four
// entries a turn: in the last of them Go makes all eight products before the
// first add and two sums go to the stack and back, once per four entries
// rather than once per entry.
func strip8NonZero(e []nzEntry, b unsafe.Pointer, c *[8]float32, alpha float32, overwrite bool) {
	var c0, c1, c2, c3, c4, c5, c6, c7 float32
	for ; len(e) >= 4; e = e[4:] {
		x, o := e[0].v, uintptr(e[0].o)
		c0 += x * at(b, o)
		c1 += x * at(b, o+4)
		c2 += x * at(b, o+8)
		c3 += x * at(b, o+12)
		c4 += x * at(b, o+16)
		c5 += x * at(b, o+20)
		c6 += x * at(b, o+24)
		c7 += x * at(b, o+28)
		x, o = e[1].v, uintptr(e[1].o)
		c0 += x * at(b, o)
		c1 += x * at(b, o+4)
		c2 += x * at(b, o+8)
		c3 += x * at(b, o+12)
		c4 += x * at(b, o+16)
		c5 += x * at(b, o+20)
		c6 += x * at(b, o+24)
		c7 += x * at(b, o+28)
		x, o = e[2].v, uintptr(e[2].o)
		c0 += x * at(b, o)
		c1 += x * at(b, o+4)
		c2 += x * at(b, o+8)
		c3 += x * at(b, o+12)
		c4 += x * at(b, o+16)
		c5 += x * at(b, o+20)
		c6 += x * at(b, o+24)
		c7 += x * at(b, o+28)
		x, o = e[3].v, uintptr(e[3].o)
		c0 += x * at(b, o)
		c1 += x * at(b, o+4)
		c2 += x * at(b, o+8)
		c3 += x * at(b, o+12)
		c4 += x * at(b, o+16)
		c5 += x * at(b, o+20)
		c6 += x * at(b, o+24)
		c7 += x * at(b, o+28)
	}
	for _, t := range e {
		x, o := t.v, uintptr(t.o)
		c0 += x * at(b, o)
		c1 += x * at(b, o+4)
		c2 += x * at(b, o+8)
		c3 += x * at(b, o+12)
		c4 += x * at(b, o+16)
		c5 += x * at(b, o+20)
		c6 += x * at(b, o+24)
		c7 += x * at(b, o+28)
	}
	// The same expressions as storeStrip's, so the same bits (arm64 fuses
	// both adds alike).
	if overwrite {
		c[0], c[1], c[2], c[3] = alpha*c0, alpha*c1, alpha*c2, alpha*c3
		c[4], c[5], c[6], c[7] = alpha*c4, alpha*c5, alpha*c6, alpha*c7
		return
	}
	c[0] += alpha * c0
	c[1] += alpha * c1
	c[2] += alpha * c2
	c[3] += alpha * c3
	c[4] += alpha * c4
	c[5] += alpha * c5
	c[6] += alpha * c6
	c[7] += alpha * c7
}

// strip1NonZero is strip8NonZero for one column.
func strip1NonZero(e []nzEntry, b unsafe.Pointer, c *float32, alpha float32, overwrite bool) {
	var c0 float32
	for _, t := range e {
		c0 += t.v * at(b, uintptr(t.o))
	}
	if overwrite {
		*c = alpha * c0
		return
	}
	*c += alpha * c0
}
