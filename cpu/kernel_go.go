package cpu

import "unsafe"

// The portable micro-kernel, in Go: every CPU without an assembly kernel runs
// it (amd64 without AVX2, or any build with -tags noasm), and it is the
// reference for the others.
//
// Go compiles float32 maths to scalar instructions, so the kernel is built
// for what a scalar core does well: it computes the mr×nr tile one row at a
// time, in strips of 8 columns (then single columns) whose sums stay in
// registers through the whole k loop. A k step of a strip loads one value of
// A and eight of B and does eight multiplies and eight adds. k is unrolled by
// 4: in the first three steps of four each product is added as soon as it is
// made, but in the fourth Go's scheduler makes all eight products before the
// first add (those adds feed only the next iteration), so 8 sums, 8 products
// and the A value want 17 of the 15 float registers Go gives amd64 and two
// values go to the stack and back once per four steps. That measured faster
// than strips of 6 without spills (docs/performance.md). arm64 has 32
// registers, and its compiler fuses each a·b+c into one FMADD. The bounds of
// A, B and C are checked once per call; the inner loops add byte offsets to
// pointers that stay at the start of a and b.
//
// Every C element is alpha·(((a₀b₀ + a₁b₁) + a₂b₂) + …) summed from zero in
// k order, the order of a plain triple loop, whatever the strip: the sums are
// the same bits at any thread count and for any split into tiles.

// kernelGo: c[i*ldc+j] += alpha·Σ_p a[i*rs+p*ks]·b[p*ldb+j] for i < mr,
// j < nr; with overwrite, c[i*ldc+j] = alpha·Σ… and c is not read.
func kernelGo(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool) {
	_ = c[(mr-1)*ldc+nr-1]
	var zero [1]float32
	if k == 0 { // no sums: alpha·0 written or added, as the loops below would
		for i := 0; i < mr; i++ {
			row := c[i*ldc : i*ldc+nr]
			for j := range row {
				storeStrip(row[j:j+1], zero[:], alpha, overwrite)
			}
		}
		return
	}
	// Every byte offset the strips read is inside a and b; the pointers
	// themselves never move past them.
	_ = a[(mr-1)*rs+(k-1)*ks]
	_ = b[(k-1)*ldb+nr-1]
	pa, pb := unsafe.Pointer(unsafe.SliceData(a)), unsafe.Pointer(unsafe.SliceData(b))
	sa, sb := uintptr(ks)*4, uintptr(ldb)*4
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		oa := uintptr(i*rs) * 4
		j := 0
		for ; j+8 <= nr; j += 8 {
			s := strip8(k, pa, oa, sa, pb, uintptr(j)*4, sb)
			storeStrip(row[j:j+8], s[:], alpha, overwrite)
		}
		for ; j < nr; j++ {
			s := strip1(k, pa, oa, sa, pb, uintptr(j)*4, sb)
			storeStrip(row[j:j+1], s[:], alpha, overwrite)
		}
	}
}

// at is the float32 at byte offset off from p.
// tileInBounds panics (index out of range) unless every address an
// assembly kernel reads or writes for an mr×nr tile over k ≥ 1 steps lies
// inside a, b and c: the assembly itself checks nothing.
func tileInBounds(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int) {
	_ = a[(mr-1)*rs+(k-1)*ks]
	_ = b[(k-1)*ldb+nr-1]
	_ = c[(mr-1)*ldc+nr-1]
}

func at(p unsafe.Pointer, off uintptr) float32 { return *(*float32)(unsafe.Add(p, off)) }

// strip8 returns Σ_p A(p)·B(p, j) for j < 8, with A(p) at byte offset
// oa + p·sa from a and B(p, j) at ob + p·sb + 4j from b; kernelGo has
// checked the bounds. k is unrolled by 4 (see the top of the file).
func strip8(k int, a unsafe.Pointer, oa, sa uintptr, b unsafe.Pointer, ob, sb uintptr) [8]float32 {
	var c0, c1, c2, c3, c4, c5, c6, c7 float32
	for ; k >= 4; k -= 4 {
		x := at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		c4 += x * at(b, ob+16)
		c5 += x * at(b, ob+20)
		c6 += x * at(b, ob+24)
		c7 += x * at(b, ob+28)
		oa, ob = oa+sa, ob+sb
		x = at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		c4 += x * at(b, ob+16)
		c5 += x * at(b, ob+20)
		c6 += x * at(b, ob+24)
		c7 += x * at(b, ob+28)
		oa, ob = oa+sa, ob+sb
		x = at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		c4 += x * at(b, ob+16)
		c5 += x * at(b, ob+20)
		c6 += x * at(b, ob+24)
		c7 += x * at(b, ob+28)
		oa, ob = oa+sa, ob+sb
		x = at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		c4 += x * at(b, ob+16)
		c5 += x * at(b, ob+20)
		c6 += x * at(b, ob+24)
		c7 += x * at(b, ob+28)
		oa, ob = oa+sa, ob+sb
	}
	for ; k > 0; k-- {
		x := at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		c4 += x * at(b, ob+16)
		c5 += x * at(b, ob+20)
		c6 += x * at(b, ob+24)
		c7 += x * at(b, ob+28)
		oa, ob = oa+sa, ob+sb
	}
	return [8]float32{c0, c1, c2, c3, c4, c5, c6, c7}
}

// strip1 is strip8 for one column.
func strip1(k int, a unsafe.Pointer, oa, sa uintptr, b unsafe.Pointer, ob, sb uintptr) [1]float32 {
	var c0 float32
	for ; k > 0; k-- {
		c0 += at(a, oa) * at(b, ob)
		oa, ob = oa+sa, ob+sb
	}
	return [1]float32{c0}
}

// storeStrip writes alpha·s to c, or adds it.
func storeStrip(c, s []float32, alpha float32, overwrite bool) {
	s = s[:len(c)]
	if overwrite {
		for j, v := range s {
			c[j] = alpha * v
		}
		return
	}
	for j, v := range s {
		c[j] += alpha * v
	}
}
