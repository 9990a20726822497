//go:build amd64 && !noasm

package cpu

import "unsafe"

// adamAVX512 and adamAVX2 run adamGo's loop on n values, n a multiple of
// their lane count (16 or 8), in optim_amd64.s.
//
//go:noescape
func adamAVX512(n int, wp, gp, mp, vp *float32, lrT, b1, omb1, b2, omb2, eps float32)

//go:noescape
func adamAVX2(n int, wp, gp, mp, vp *float32, lrT, b1, omb1, b2, omb2, eps float32)

// adam updates w, m, v from g (all the same length): vector body, Go tail.
func adam(w, g, m, v []float32, lrT, b1, b2, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	lanes := 0
	switch {
	case useAVX512:
		lanes = 16
	case useAVX2:
		lanes = 8
	}
	body := 0
	if lanes > 0 {
		body = n - n%lanes
	}
	if body > 0 {
		pw, pg, pm, pv := unsafe.SliceData(w), unsafe.SliceData(g), unsafe.SliceData(m), unsafe.SliceData(v)
		if lanes == 16 {
			adamAVX512(body, pw, pg, pm, pv, lrT, b1, 1-b1, b2, 1-b2, eps)
		} else {
			adamAVX2(body, pw, pg, pm, pv, lrT, b1, 1-b1, b2, 1-b2, eps)
		}
	}
	adamGo(w[body:], g[body:], m[body:], v[body:], lrT, b1, b2, eps)
}

// sgd has no vector version on amd64: sgdGo.
func sgd(w, g, v []float32, off int, lr, momentum float32, nesterov bool) {
	sgdGo(w, g, v, off, lr, momentum, nesterov)
}
