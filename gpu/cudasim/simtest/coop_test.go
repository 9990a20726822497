//go:build linux && cgo

package simtest

import (
	"os"
	"runtime"
	"testing"
)

// PTX for the stand-in's test kernels (gpu/cudasim/selftest.cu): the stand-in
// reads only the entry's parameter sizes and whether its body has barriers,
// shuffles or mma.sync, which makes it run the block's threads as coroutines.
const selftestPTX = `.version 7.8
.target sm_70
.address_size 64
.visible .entry simtest_reverse(.param .u32 p0, .param .u64 p1, .param .u64 p2)
{ bar.sync 0; ret; }
.visible .entry simtest_reduce(.param .u64 p0, .param .u64 p1, .param .u64 p2, .param .u64 p3, .param .u64 p4)
{ bar.sync 0; shfl.sync.down.b32 %r1, %r2, 16, 31, -1; ret; }
.visible .entry simtest_divergent(.param .u64 p0)
{ bar.sync 0; ret; }
.visible .entry simtest_mma_operands(.param .u32 p0, .param .u64 p1, .param .u64 p2)
{ mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%f1, %f2, %f3, %f4}, {%r1, %r2, %r3, %r4}, {%r5, %r6}, {%f5, %f6, %f7, %f8}; ret; }
`

func driver(t *testing.T) *Driver {
	dir := os.Getenv("MNISTGPU_CUDASIM")
	if dir == "" {
		t.Skip("MNISTGPU_CUDASIM is not set to a gpu/cudasim/build.sh folder (make test-cuda-sim sets it)")
	}
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	d, err := OpenDriver(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A thread reads from shared memory what another wrote before __syncthreads.
func TestBarrierAndSharedMemory(t *testing.T) {
	d := driver(t)
	const n = 200
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i)
	}
	xp, yp := d.Upload(x), d.Upload(make([]float32, 256))
	if st := d.Launch(selftestPTX, "simtest_reverse", 1, 1, 256, 1, int32(n), xp, yp); st != 0 {
		t.Fatalf("launch: CUresult %d", st)
	}
	y := d.Download(yp, n)
	for i := range y {
		if y[i] != float32(n-1-i) {
			t.Fatalf("y[%d] = %v, want %v", i, y[i], n-1-i)
		}
	}
}

// Tree sums in shared memory across 2-D blocks, and the three shuffles
// within each warp (warps numbered by linear thread index, x fastest).
func TestBlockReductionAndShuffles(t *testing.T) {
	d := driver(t)
	const gx, gy, bx, by = 3, 2, 32, 4
	const blocks, threads = gx * gy, bx * by
	x := make([]float32, blocks*threads)
	for i := range x {
		x[i] = float32(i%97) - 40
	}
	sums, warps := d.Upload(make([]float32, blocks)), d.Upload(make([]float32, blocks*threads/32))
	all, bcast := d.Upload(make([]float32, len(x))), d.Upload(make([]float32, len(x)))
	if st := d.Launch(selftestPTX, "simtest_reduce", gx, gy, bx, by, d.Upload(x), sums, warps, all, bcast); st != 0 {
		t.Fatalf("launch: CUresult %d", st)
	}
	gotSums, gotWarps := d.Download(sums, blocks), d.Download(warps, blocks*threads/32)
	gotAll, gotBcast := d.Download(all, len(x)), d.Download(bcast, len(x))
	for b := 0; b < blocks; b++ {
		var s float32
		for _, v := range x[b*threads : (b+1)*threads] {
			s += v
		}
		if gotSums[b] != s {
			t.Errorf("block %d: tree sum %v, want %v", b, gotSums[b], s)
		}
	}
	for w := 0; w < len(x)/32; w++ {
		var s float32
		for _, v := range x[w*32 : (w+1)*32] {
			s += v
		}
		if gotWarps[w] != s {
			t.Errorf("warp %d: __shfl_down_sync sum %v, want %v", w, gotWarps[w], s)
		}
		for l := 0; l < 32; l++ {
			if i := w*32 + l; gotAll[i] != s || gotBcast[i] != x[w*32+3] {
				t.Fatalf("thread %d: __shfl_xor_sync sum %v (want %v), __shfl_sync(3) %v (want %v)", i, gotAll[i], s, gotBcast[i], x[w*32+3])
			}
		}
	}
}

// A barrier that half the block never reaches fails the launch
// (CUDA_ERROR_LAUNCH_FAILED) instead of hanging, and the next launch runs.
func TestDivergentBarrierFails(t *testing.T) {
	d := driver(t)
	y := d.Upload(make([]float32, 64))
	if st := d.Launch(selftestPTX, "simtest_divergent", 1, 1, 64, 1, y); st != 719 {
		t.Errorf("divergent barrier: CUresult %d, want 719 (CUDA_ERROR_LAUNCH_FAILED)", st)
	}
	xp, yp := d.Upload([]float32{1, 2, 3}), d.Upload(make([]float32, 3))
	if st := d.Launch(selftestPTX, "simtest_reverse", 1, 1, 32, 1, int32(3), xp, yp); st != 0 {
		t.Fatalf("launch after a failed one: CUresult %d", st)
	}
	if y := d.Download(yp, 3); y[0] != 3 || y[2] != 1 {
		t.Errorf("reverse after a failed launch: %v", y)
	}
}

// A kernel whose PTX has mma.sync (and no shuffle) runs as coroutines, so the
// emulation's shuffles work: d[0] = Σ over 8 products of the lane-4g and
// lanes-(8t…8t+3) values; with unrounded operands the launch fails, as the
// tensor cores take TF32 values only.
func TestMMAEmulationNeedsTF32Operands(t *testing.T) {
	d := driver(t)
	x := make([]float32, 32)
	for i := range x {
		x[i] = 1 + float32(i)/1024 // TF32 values: 10 mantissa bits
	}
	xp, yp := d.Upload(x), d.Upload(make([]float32, 32))
	if st := d.Launch(selftestPTX, "simtest_mma_operands", 1, 1, 32, 1, int32(1), xp, yp); st != 0 {
		t.Fatalf("mma with TF32 operands: CUresult %d", st)
	}
	y := d.Download(yp, 32)
	for lane := range 32 {
		g, tg := lane/4, lane%4
		var want float32 // row g of A is lanes 4g…4g+3 (twice), column 2t of B lanes 8t…8t+3 (twice)
		for s := range 8 {
			want = float32(want + float32(x[4*g+s%4]*x[4*(2*tg)+s%4]))
		}
		if y[lane] != want {
			t.Errorf("lane %d: d[0] = %g, want %g", lane, y[lane], want)
		}
	}
	x[5] = 1 + 1.0/4096 // not a TF32 value
	xp = d.Upload(x)
	if st := d.Launch(selftestPTX, "simtest_mma_operands", 1, 1, 32, 1, int32(0), xp, yp); st != 719 {
		t.Errorf("mma with an unrounded operand: CUresult %d, want 719 (CUDA_ERROR_LAUNCH_FAILED)", st)
	}
}
