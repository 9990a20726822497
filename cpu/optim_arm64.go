//go:build arm64 && !noasm

package cpu

import "unsafe"

// adamNEON, sgdNEON and sgdMomentumNEON run adamGo's and sgdGo's loops on n
// values, n a multiple of 4, in optim_arm64.s; the rest goes to the Go twin,
// which gives the same bits.
//
//go:noescape
func adamNEON(n int, wp, gp, mp, vp *float32, lrT, b1, omb1, b2, omb2, eps float32)

//go:noescape
func sgdNEON(n int, wp, gp *float32, lr float32)

//go:noescape
func sgdMomentumNEON(n int, wp, gp, vp *float32, lr, momentum float32, nesterov bool)

// adam updates w, m, v from g (all the same length).
func adam(w, g, m, v []float32, lrT, b1, b2, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	body := n &^ 3
	if body > 0 {
		adamNEON(body, unsafe.SliceData(w), unsafe.SliceData(g), unsafe.SliceData(m), unsafe.SliceData(v),
			lrT, b1, 1-b1, b2, 1-b2, eps)
	}
	adamGo(w[body:], g[body:], m[body:], v[body:], lrT, b1, b2, eps)
}

// sgd updates w from g; v[off:] is the velocity (unused without momentum).
func sgd(w, g, v []float32, off int, lr, momentum float32, nesterov bool) {
	g = g[:len(w)]
	body := len(w) &^ 3
	if momentum == 0 {
		if body > 0 {
			sgdNEON(body, unsafe.SliceData(w), unsafe.SliceData(g), lr)
		}
		sgdGo(w[body:], g[body:], nil, 0, lr, 0, false)
		return
	}
	v = v[off : off+len(w)]
	if body > 0 {
		sgdMomentumNEON(body, unsafe.SliceData(w), unsafe.SliceData(g), unsafe.SliceData(v), lr, momentum, nesterov)
	}
	sgdGo(w[body:], g[body:], v[body:], 0, lr, momentum, nesterov)
}
