//go:build linux && cgo

package simtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

func libs(t *testing.T) *Libs {
	dir := os.Getenv("MNISTGPU_CUDASIM")
	if dir == "" {
		t.Skip("MNISTGPU_CUDASIM is not set to a gpu/cudasim/build.sh folder (make test-cuda-sim sets it)")
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func random(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func close(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// Column-major C = op(A)·op(B) is row-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so the
// stand-in's cublasSgemm(ta, tb, m, n, k, A, lda, B, ldb, C, ldc) must equal
// the CPU backend's row-major Gemm(tb, ta, n, m, k, B, ldb, A, lda, C, ldc).
func TestSgemmIsColumnMajor(t *testing.T) {
	l := libs(t)
	r := rand.New(rand.NewPCG(1, 2))
	be := cpu.New()
	const m, n, k = 7, 5, 9
	for _, ta := range []int{0, 1} {
		for _, tb := range []int{0, 1} {
			rowsA, colsA := m, k
			if ta == 1 {
				rowsA, colsA = k, m
			}
			rowsB, colsB := k, n
			if tb == 1 {
				rowsB, colsB = n, k
			}
			lda, ldb, ldc := rowsA+2, rowsB+1, m+3
			a, b, c := random(r, lda*colsA), random(r, ldb*colsB), random(r, ldc*n)
			want := append([]float32(nil), c...)
			be.Gemm(tb == 1, ta == 1, n, m, k, 0.5, cpu.Wrap(b), ldb, cpu.Wrap(a), lda, -2, cpu.Wrap(want), ldc)
			if st := l.Sgemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, -2, c, ldc); st != 0 {
				t.Fatalf("ta=%d tb=%d: status %d", ta, tb, st)
			}
			close(t, fmt.Sprintf("ta=%d tb=%d", ta, tb), c, want, 1e-5)
		}
	}
	// beta = 0 does not read C: NaN there does not propagate.
	c := []float32{float32(math.NaN())}
	if st := l.Sgemm(0, 0, 1, 1, 1, 1, []float32{2}, 1, []float32{3}, 1, 0, c, 1); st != 0 || c[0] != 6 {
		t.Errorf("beta=0 with NaN in C: status %d, c = %v", st, c[0])
	}
	// lda below the rows of A is CUBLAS_STATUS_INVALID_VALUE (7).
	if st := l.Sgemm(0, 0, 4, 1, 1, 1, make([]float32, 4), 3, make([]float32, 1), 1, 0, make([]float32, 4), 4); st != 7 {
		t.Errorf("lda < m: status %d, want 7", st)
	}
}

// toNHWC reorders an NCHW tensor; fromNHWC is the inverse.
func toNHWC(x []float32, n, c, h, w int) []float32 {
	y := make([]float32, len(x))
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			for p := 0; p < h*w; p++ {
				y[(i*h*w+p)*c+j] = x[(i*c+j)*h*w+p]
			}
		}
	}
	return y
}

func fromNHWC(y []float32, n, c, h, w int) []float32 {
	x := make([]float32, len(y))
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			for p := 0; p < h*w; p++ {
				x[(i*c+j)*h*w+p] = y[(i*h*w+p)*c+j]
			}
		}
	}
	return x
}

// flip reverses a KRSC filter's taps (convolution vs cross-correlation).
func flip(w []float32, k, r, s, c int) []float32 {
	f := make([]float32, len(w))
	for a := 0; a < k; a++ {
		for i := 0; i < r; i++ {
			for j := 0; j < s; j++ {
				copy(f[((a*r+r-1-i)*s+s-1-j)*c:][:c], w[((a*r+i)*s+j)*c:][:c])
			}
		}
	}
	return f
}

// The stand-in's cuDNN against the CPU backend's convolution (NHWC, KRSC,
// cross-correlation) in every layout and mode it offers, all three passes.
func TestConvolutionAgainstCPU(t *testing.T) {
	l := libs(t)
	r := rand.New(rand.NewPCG(3, 4))
	be := cpu.New()
	p := engine.ConvParams{N: 2, H: 7, W: 6, C: 3, K: 4, R: 3, S: 2, SH: 2, SW: 1, PadTop: 1, PadLeft: 1}
	p.OH = 1 + (p.H+2*p.PadTop-p.R)/p.SH
	p.OW = 1 + (p.W+2*p.PadLeft-p.S)/p.SW
	x := random(r, p.N*p.H*p.W*p.C)
	w := random(r, p.K*p.R*p.S*p.C)
	dy := random(r, p.N*p.OH*p.OW*p.K)
	y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
	be.Conv2DForward(p, cpu.Wrap(x), cpu.Wrap(w), cpu.Wrap(y))
	be.Conv2DBackwardData(p, cpu.Wrap(dy), cpu.Wrap(w), cpu.Wrap(dx))
	be.Conv2DBackwardFilter(p, cpu.Wrap(x), cpu.Wrap(dy), cpu.Wrap(dw))

	for _, format := range []int{0, 1} {
		for _, mode := range []int{0, 1} {
			cv := Conv{Format: format, Mode: mode, N: p.N, C: p.C, H: p.H, W: p.W, K: p.K, R: p.R, S: p.S,
				PadH: p.PadTop, PadW: p.PadLeft, SH: p.SH, SW: p.SW, OH: p.OH, OW: p.OW}
			// The stand-in's inputs in its layout and mode.
			wIn := w
			if mode == 0 {
				wIn = flip(w, p.K, p.R, p.S, p.C)
			}
			xIn, dyIn := x, dy
			if format == 0 {
				xIn, dyIn = fromNHWC(x, p.N, p.C, p.H, p.W), fromNHWC(dy, p.N, p.K, p.OH, p.OW)
				wIn = fromNHWC(wIn, p.K, p.C, p.R, p.S) // KRSC → KCRS
			}
			name := fmt.Sprintf("format=%d mode=%d", format, mode)
			for pass, algo := range map[int]int{0: 1, 1: 1, 2: 1} {
				var in1, in2, out []float32
				switch pass {
				case 0:
					in1, in2, out = xIn, wIn, make([]float32, len(y))
				case 1:
					in1, in2, out = wIn, dyIn, make([]float32, len(x))
				case 2:
					in1, in2, out = xIn, dyIn, make([]float32, len(w))
				}
				if st := l.Pass(cv, pass, algo, -1, in1, in2, out); st != 0 {
					t.Fatalf("%s pass %d: status %d", name, pass, st)
				}
				if format == 0 {
					out = map[int]func() []float32{
						0: func() []float32 { return toNHWC(out, p.N, p.K, p.OH, p.OW) },
						1: func() []float32 { return toNHWC(out, p.N, p.C, p.H, p.W) },
						2: func() []float32 { return toNHWC(out, p.K, p.C, p.R, p.S) },
					}[pass]()
				}
				if pass == 2 && mode == 0 {
					out = flip(out, p.K, p.R, p.S, p.C)
				}
				close(t, fmt.Sprintf("%s pass %d", name, pass), out, [][]float32{y, dx, dw}[pass], 1e-5)
			}
		}
	}
}

// Misuse gets cuDNN's status codes: an output descriptor that is not the
// shape the convolution gives, and a workspace smaller than asked.
func TestConvolutionMisuse(t *testing.T) {
	l := libs(t)
	cv := Conv{Format: 1, Mode: 1, N: 1, C: 1, H: 5, W: 5, K: 1, R: 3, S: 3, PadH: 1, PadW: 1, SH: 1, SW: 1, OH: 5, OW: 5}
	x, w, y := make([]float32, 25), make([]float32, 9), make([]float32, 25)
	if st := l.Pass(cv, 0, 1, -1, x, w, y); st != 0 {
		t.Fatalf("valid call: status %d", st)
	}
	bad := cv
	bad.OH = 4
	if st := l.Pass(bad, 0, 1, -1, x, w, y); st != 2000 {
		t.Errorf("wrong output shape: status %d, want CUDNN_STATUS_BAD_PARAM (2000)", st)
	}
	if st := l.Pass(cv, 0, 1, 4, x, w, y); st != 2000 {
		t.Errorf("short workspace: status %d, want CUDNN_STATUS_BAD_PARAM (2000)", st)
	}
	if st := l.Pass(cv, 1, 7, -1, w, y, x); st != 3000 {
		t.Errorf("unknown algorithm: status %d, want CUDNN_STATUS_NOT_SUPPORTED (3000)", st)
	}
}
