//go:build cuda

package gpu

import (
	"testing"

	"mnistgpu/engine"
)

// TestBackendsClose opens and closes 100 backends, each running a
// convolution (its plan and workspace) and a GEMM (cuBLAS), and ends with
// the device memory it started with. The stand-in holds at most 64 live
// streams and library handles, as a card holds a finite number: without
// Close the 65th backend fails to open.
func TestBackendsClose(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 100 backends")
	}
	keep := device(t) // the context stays retained by one backend throughout
	before, _, err := keep.MemoryInfo()
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.NewConvParams(2, 6, 6, 3, 4, 3, 3, 1, 1, engine.Same)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		b, err := New()
		if err != nil {
			t.Fatalf("backend %d: %v", i+1, err)
		}
		x, w, y := alloc(t, b, p.N*p.H*p.W*p.C), alloc(t, b, p.K*p.R*p.S*p.C), alloc(t, b, p.N*p.OH*p.OW*p.K)
		b.Conv2DForward(p, x, w, y)
		b.Gemm(false, false, 2, 2, 2, 1, x, 2, w, 2, 0, y, 2)
		if err := b.Synchronize(); err != nil {
			t.Fatal(err)
		}
		for _, buf := range []engine.Buffer{x, w, y} {
			b.Free(buf)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("backend %d: Close: %v", i+1, err)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("backend %d: a second Close: %v", i+1, err)
		}
	}
	after, _, err := keep.MemoryInfo()
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("free device memory %d bytes before, %d after 100 backends opened and closed", before, after)
	}
}

func alloc(t *testing.T, b *Backend, n int) engine.Buffer {
	t.Helper()
	buf, err := b.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	b.Fill(buf, 0.5)
	return buf
}
