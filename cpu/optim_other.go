//go:build !(amd64 || arm64) || noasm

package cpu

func adam(w, g, m, v []float32, lrT, b1, b2, eps float32) { adamGo(w, g, m, v, lrT, b1, b2, eps) }

func sgd(w, g, v []float32, off int, lr, momentum float32, nesterov bool) {
	sgdGo(w, g, v, off, lr, momentum, nesterov)
}
