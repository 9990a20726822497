package cpu

import "unsafe"

// The portable micro-kernel, in Go: every CPU without an assembly kernel runs
// it (amd64 without AVX2, or any build with -tags noasm), and it is the
// reference for the others.
//
// Go compiles float32 maths to scalar instructions, so the kernel is built
// for what a scalar core does well: it computes the mr×nr tile one row at a
// time, in strips of 6 columns (then 4, then 1) whose sums stay in registers
// through the whole k loop. A k step of a 1×6 strip loads one value of A and
// six of B and does six multiplies and six adds: 6 sums + 6 products + 1 A
// value = 13 of the 15 float registers Go gives amd64 (arm64 has 32, and its
// compiler fuses each a·b+c into one FMADD). Wider strips, or two rows at
// once, spill sums to the stack on amd64: Go's scheduler places every
// product of a step before the first add. The bounds of A, B and C are
// checked once per call; the inner loops walk pointers.
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
		for ; j+6 <= nr; j += 6 {
			s := strip6(k, pa, oa, sa, pb, uintptr(j)*4, sb)
			storeStrip(row[j:j+6], s[:], alpha, overwrite)
		}
		for ; j+4 <= nr; j += 4 {
			s := strip4(k, pa, oa, sa, pb, uintptr(j)*4, sb)
			storeStrip(row[j:j+4], s[:], alpha, overwrite)
		}
		for ; j < nr; j++ {
			s := strip1(k, pa, oa, sa, pb, uintptr(j)*4, sb)
			storeStrip(row[j:j+1], s[:], alpha, overwrite)
		}
	}
}

// at is the float32 at byte offset off from p.
func at(p unsafe.Pointer, off uintptr) float32 { return *(*float32)(unsafe.Add(p, off)) }

// strip6 returns Σ_p A(p)·B(p, j) for j < 6, with A(p) at byte offset
// oa + p·sa from a and B(p, j) at ob + p·sb + 4j from b; kernelGo has
// checked the bounds.
func strip6(k int, a unsafe.Pointer, oa, sa uintptr, b unsafe.Pointer, ob, sb uintptr) [6]float32 {
	var c0, c1, c2, c3, c4, c5 float32
	for ; k > 0; k-- {
		x := at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		c4 += x * at(b, ob+16)
		c5 += x * at(b, ob+20)
		oa, ob = oa+sa, ob+sb
	}
	return [6]float32{c0, c1, c2, c3, c4, c5}
}

// strip4 is strip6 for 4 columns.
func strip4(k int, a unsafe.Pointer, oa, sa uintptr, b unsafe.Pointer, ob, sb uintptr) [4]float32 {
	var c0, c1, c2, c3 float32
	for ; k > 0; k-- {
		x := at(a, oa)
		c0 += x * at(b, ob)
		c1 += x * at(b, ob+4)
		c2 += x * at(b, ob+8)
		c3 += x * at(b, ob+12)
		oa, ob = oa+sa, ob+sb
	}
	return [4]float32{c0, c1, c2, c3}
}

// strip1 is strip6 for one column.
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
