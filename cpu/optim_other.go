//go:build !amd64 || noasm

package cpu

func adam(w, g, m, v []float32, lrT, b1, b2, eps float32) { adamGo(w, g, m, v, lrT, b1, b2, eps) }
