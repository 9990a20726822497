//go:build cuda

// Package gpu is the CUDA backend: gorgonia.org/cu for the driver API
// (context, memory, modules, launches), cuBLAS for GEMM and cuDNN for
// convolutions, both loaded at run time (shim.c), and mnistgpu's own kernels
// (kernels/*.cu, embedded PTX) for everything else. All work goes in order
// to one stream of the backend's own (kernels, copies, fills, cuBLAS and
// cuDNN), so that it can be captured into a CUDA graph (Capture); only
// copies between host and device and Synchronize wait.
package gpu

/*
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"gorgonia.org/cu"

	"mnistgpu/engine"
	"mnistgpu/kernels"
)

func init() {
	engine.Register(engine.DeviceKind{Name: "cuda", Traits: traits, Auto: 1, Present: present,
		New: func(opt engine.Options) (engine.Backend, error) { return NewWithOptions(opt) }})
}

// ErrNotBuilt is nil in a cuda build: the backend is here.
var ErrNotBuilt error

// traits are every cuda backend's (Simulated is set once one is open).
var traits = engine.Traits{ResidentData: true, LossReadEvery: 50}

// present says why no GPU answers, or nil: the driver is loaded (else this
// binary would not have started) and sees at least one device.
func present() error {
	n, err := cu.NumDevices()
	switch {
	case err != nil:
		return fmt.Errorf("the driver lists no devices: %w", err)
	case n == 0:
		return errors.New("no GPU answers")
	}
	return nil
}

// buffer is a device allocation or a window onto one.
type buffer struct {
	ptr cu.DevicePtr
	n   int
}

func (b *buffer) Len() int { return b.n }

func (b *buffer) Slice(off, n int) engine.Buffer {
	if off < 0 || n < 0 || off+n > b.n {
		panic(fmt.Sprintf("gpu: Slice(%d, %d) out of range of a %d-element buffer", off, n, b.n))
	}
	return &buffer{ptr: b.ptr + cu.DevicePtr(4*off), n: n}
}

func ptr(b engine.Buffer) cu.DevicePtr {
	gb, ok := b.(*buffer)
	if !ok {
		panic(fmt.Sprintf("gpu: buffer of type %T was not made by the cuda backend", b))
	}
	return gb.ptr
}

// Options select how the backend computes: TF32 allows TensorFloat-32
// tensor-op maths in cuBLAS and cuDNN and runs the own convolution kernels
// on the tensor cores (igemm_tf32.go; faster on Ampere and newer, ~1e-3
// relative error; off is parity mode: fp32 maths and deterministic
// algorithms), DeviceIndex picks the GPU. Threads is a CPU setting.
type Options = engine.Options

// Backend runs the engine's kernels on one NVIDIA GPU.
type Backend struct {
	opt       Options
	ctx       cu.CUContext
	blas, dnn unsafe.Pointer // cuBLAS and cuDNN handles
	dev       cu.Device
	stream    cu.Stream // all device work goes here
	describe  string
	simulated bool // the CPU stand-in of the CUDA libraries (gpu/cudasim)
	functions map[string]cu.Function
	modules   []cu.Module
	closed    bool
	ownTF32   bool // Gemm runs tf32_gemm, not cuBLAS (tf32.go)
	// convLibrary: cuDNN runs every convolution (convpath.go).
	convLibrary bool
	convTF32    bool // the own convolution kernels run on the TF32 tensor cores (igemm_tf32.go)
	plans       map[convKey]*convPlan
	// fusedConv: the convolutions whose forward pass ran fused with its
	// bias, activation and pool (poolfuse.go), which Describe names.
	fusedConv map[engine.ConvParams]bool
	conv      convTuning // how convolution algorithms are chosen (convtune.go)
	workspace scratch    // cuDNN workspace or the own path's chunk sums, grown to the largest chosen algorithm's
	padded    scratch    // zero-padded input where TensorFlow pads asymmetrically
	partial   scratch    // BiasGrad block sums
	convOut   scratch    // a conv's output before its bias, activation and pool (poolfuse.go)
	done      scratch    // last-block completion counters (BiasGrad, the own backward filter), zero between launches
	tf32Part  scratch    // the slices' sums of a split TF32 GEMM (tf32.go)
	args      launchArgs
	counts    engine.Counts
	// nondeterministic counts convolution passes that run a
	// non-deterministic cuDNN algorithm because no deterministic one fits.
	nondeterministic int
}

// New opens device 0 in parity mode.
func New() (*Backend, error) { return NewWithOptions(Options{}) }

// NewWithOptions opens device opt.DeviceIndex: the primary context, cuBLAS
// and cuDNN (see libsearch.go for where they are looked for), and the kernel
// modules.
func NewWithOptions(opt Options) (*Backend, error) {
	if opt.Threads != 0 {
		return nil, fmt.Errorf("cuda: threads is a CPU setting")
	}
	ownTF32, err := ownTF32Gemm(os.Getenv, opt)
	if err != nil {
		return nil, err
	}
	convLibrary, err := convLibraryOnly(os.Getenv)
	if err != nil {
		return nil, err
	}
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("cuda: counting devices: %w", err)
	}
	if n == 0 {
		return nil, errors.New("cuda: the NVIDIA driver sees no GPU")
	}
	if opt.DeviceIndex >= n {
		// The index the user gave (--device cuda:N, --devices) is a setting
		// this machine lacks: exit 2, as a bad flag value. It was exit 1.
		return nil, &engine.SettingError{Msg: fmt.Sprintf("cuda: device index %d, the driver sees %d GPU(s) (0..%d)", opt.DeviceIndex, n, n-1)}
	}
	dev, err := cu.GetDevice(opt.DeviceIndex)
	if err != nil {
		return nil, fmt.Errorf("cuda: device %d: %w", opt.DeviceIndex, err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, err := dev.RetainPrimaryCtx()
	if err != nil {
		return nil, fmt.Errorf("cuda: primary context of device %d: %w", opt.DeviceIndex, err)
	}
	if err := cu.SetCurrentContext(ctx); err != nil {
		dev.ReleasePrimaryCtx()
		return nil, fmt.Errorf("cuda: making the context current: %w", err)
	}
	b := &Backend{opt: opt, ctx: ctx, dev: dev, functions: map[string]cu.Function{}, plans: map[convKey]*convPlan{},
		ownTF32: ownTF32, convLibrary: convLibrary}
	// fail releases what was opened so far.
	fail := func(err error) error {
		b.release()
		return err
	}
	// A non-blocking stream: nothing of the backend touches the legacy
	// stream, which waits for every blocking stream of the context and so
	// would break a graph capture of another backend in the process (study
	// --jobs); copies go on this stream and wait for it alone.
	if b.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
		return nil, fail(fmt.Errorf("cuda: creating a stream: %w", err))
	}
	blasPath, err := load(cublasLib, func(p *C.char, e *C.char, n C.int) C.int { return C.mg_load_cublas(p, e, n) })
	if err != nil {
		return nil, fail(err)
	}
	dnnPath, err := load(cudnnLib, func(p *C.char, e *C.char, n C.int) C.int { return C.mg_load_cudnn(p, e, n) })
	if err != nil {
		return nil, fail(err)
	}
	tf32 := C.int(0)
	if opt.TF32 {
		tf32 = 1
	}
	if st := C.mg_blas_new(tf32, b.cstream(), &b.blas); st != 0 {
		return nil, fail(fmt.Errorf("cuda: cublasCreate (%s): %s", blasPath, C.GoString(C.mg_blas_status(st))))
	}
	if st := C.mg_dnn_new(b.cstream(), &b.dnn); st != 0 {
		return nil, fail(fmt.Errorf("cuda: cudnnCreate (%s): %s", dnnPath, dnnStatus(st)))
	}
	devName, _ := dev.Name()
	b.simulated = strings.HasPrefix(devName, "cuda-sim")
	major, minor, err := dev.ComputeCapability()
	if err != nil {
		return nil, fail(fmt.Errorf("cuda: compute capability of device %d: %w", opt.DeviceIndex, err))
	}
	for name, text := range kernels.PTX() {
		if !moduleRuns(kernels.Target(text), major, minor, b.simulated) {
			continue
		}
		mod, err := cu.LoadData(text)
		if err != nil {
			return nil, fail(fmt.Errorf("cuda: loading the PTX of kernels/%s.cu: %w", name, err))
		}
		b.modules = append(b.modules, mod)
		for _, entry := range kernels.Entries(text) {
			fn, err := mod.Function(entry)
			if err != nil {
				return nil, fail(fmt.Errorf("cuda: kernel %s in kernels/%s.cu: %w", entry, name, err))
			}
			b.functions[entry] = fn
		}
	}
	if err := b.checkOwnTF32(major, minor); err != nil {
		return nil, fail(err)
	}
	b.convTF32 = ownConvTF32(opt, b.functions)
	b.describe = describe(dev, b.blas, blasPath, dnnPath, opt, b.ownTF32) + convMode(opt, b.convTF32, b.convLibrary)
	return b, nil
}

// moduleRuns says whether a PTX module written for architecture target
// (kernels.Target) loads on a device of compute capability major.minor: a
// module for a newer one (the tensor-core kernels, sm_80, on an sm_70 GPU) is
// left out, and its kernels are not there to launch. The stand-in runs
// every module from its host build (it says sm_80, the newest module's).
func moduleRuns(target, major, minor int, simulated bool) bool {
	return simulated || target <= 10*major+minor
}

// load tries each candidate of lib in turn and says what it tried when none
// loads.
func load(lib library, open func(*C.char, *C.char, C.int) C.int) (string, error) {
	var tried []string
	errbuf := (*C.char)(C.malloc(512))
	defer C.free(unsafe.Pointer(errbuf))
	for _, c := range lib.candidates(os.Getenv, searchDirs(os.Getenv, filepath.Glob), fileExists) {
		for _, comp := range c.companions {
			cs := C.CString(comp)
			C.mg_preload(cs)
			C.free(unsafe.Pointer(cs))
		}
		cs := C.CString(c.path)
		ok := open(cs, errbuf, 512) == 0
		C.free(unsafe.Pointer(cs))
		if ok {
			return c.path, nil
		}
		tried = append(tried, C.GoString(errbuf))
	}
	return "", lib.noneLoaded(os.Getenv, tried)
}

func describe(dev cu.Device, blas unsafe.Pointer, blasPath, dnnPath string, opt Options, ownTF32 bool) string {
	name, _ := dev.Name()
	major, minor, _ := dev.ComputeCapability()
	mem, _ := dev.TotalMem()
	var blasVersion C.int
	C.mg_blas_version(blas, &blasVersion)
	dnnVersion := int(C.mg_dnn_version())
	mode := tf32Mode(opt, major, minor)
	if ownTF32 {
		mode += ", GEMMs by the own TF32 kernel (" + ownTF32Env + "=1)"
	}
	return fmt.Sprintf("cuda: %s (sm_%d%d, %.1f GiB), driver API %d, cuBLAS %d (%s), cuDNN %d (%s), %s",
		name, major, minor, float64(mem)/(1<<30), cu.Version(), int(blasVersion), blasPath, dnnVersion, dnnPath, mode)
}

// Close waits for the stream's work, then releases the backend's
// convolution plans, scratch memory, cuBLAS and cuDNN handles, kernel
// modules and stream, and its hold on the device's primary context (the
// context goes when its last holder lets go). A study opens a backend per
// cell: without this each would keep its handles and modules to the end.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	defer b.enter()()
	err := b.stream.Synchronize()
	if rerr := b.release(); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("cuda: closing the backend: %w", err)
	}
	return nil
}

// release frees everything b holds that it opened, in the reverse order of
// NewWithOptions (which calls it on a failure part of the way through); the
// first failure is returned, and the rest still released.
func (b *Backend) release() error {
	b.closed = true
	var errs []error
	keep := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for _, pl := range b.plans {
		C.mg_conv_free(pl.c)
	}
	b.plans = nil
	for _, s := range []*scratch{&b.workspace, &b.padded, &b.partial, &b.done, &b.tf32Part, &b.convOut} {
		if s.ptr != 0 {
			keep("cuMemFree", cu.MemFree(s.ptr))
			s.ptr, s.bytes = 0, 0
		}
	}
	if b.dnn != nil {
		if st := C.mg_dnn_free(b.dnn); st != 0 {
			keep("cudnnDestroy", errors.New(dnnStatus(st)))
		}
		b.dnn = nil
	}
	if b.blas != nil {
		if st := C.mg_blas_free(b.blas); st != 0 {
			keep("cublasDestroy", errors.New(C.GoString(C.mg_blas_status(st))))
		}
		b.blas = nil
	}
	for _, m := range b.modules {
		keep("cuModuleUnload", m.Unload())
	}
	b.modules, b.functions = nil, nil
	if b.stream != (cu.Stream{}) {
		keep("cuStreamDestroy", b.stream.Destroy())
	}
	keep("cuDevicePrimaryCtxRelease", b.dev.ReleasePrimaryCtx())
	return errors.Join(errs...)
}

// cstream is the backend's stream as the C libraries take it.
func (b *Backend) cstream() unsafe.Pointer { return unsafe.Pointer(b.stream.C()) }

// enter makes the context current on this goroutine's OS thread and keeps
// the goroutine there until the returned function runs: CUDA contexts are
// per thread, goroutines are not.
func (b *Backend) enter() func() {
	runtime.LockOSThread()
	if err := cu.SetCurrentContext(b.ctx); err != nil {
		runtime.UnlockOSThread()
		panic(fmt.Sprintf("gpu: making the context current: %v", err))
	}
	return runtime.UnlockOSThread
}

func (b *Backend) Name() string { return "cuda" }

// MemoryInfo reports the device's free and total memory in bytes
// (cuMemGetInfo); a study asks it before placing several cells on one GPU.
func (b *Backend) MemoryInfo() (free, total int64, err error) {
	defer b.enter()()
	return cu.MemInfo()
}

// Traits: data sets live on the device and the loss is read (a host sync)
// every 50 steps; the stand-in says it is one.
func (b *Backend) Traits() engine.Traits {
	t := traits
	t.Simulated = b.simulated
	return t
}

// Describe names the device, libraries and mode, and the algorithm chosen
// for each convolution pass run so far (ConvReport has every candidate).
func (b *Backend) Describe() string {
	d := b.describe
	if b.nondeterministic > 0 {
		d += fmt.Sprintf("; %d convolution passes without a deterministic algorithm", b.nondeterministic)
	}
	return d + b.convSummary()
}

// Counts: see engine.Counters.
func (b *Backend) Counts() engine.Counts { return b.counts }

func (b *Backend) Alloc(n int) (engine.Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("cuda: Alloc(%d): negative size", n)
	}
	defer b.enter()()
	p, err := cu.MemAlloc(int64(4 * max(n, 1)))
	if err != nil {
		return nil, fmt.Errorf("cuda: allocating %d floats (%d bytes): %w", n, 4*n, err)
	}
	return &buffer{ptr: p, n: n}, nil
}

func (b *Backend) Free(buf engine.Buffer) {
	if buf == nil {
		return
	}
	defer b.enter()()
	b.counts.HostSyncs++ // cuMemFree waits for the device
	must("cuMemFree", cu.MemFree(ptr(buf)))
}

func (b *Backend) CopyIn(dst engine.Buffer, src []float32) {
	if len(src) > dst.Len() {
		panic(fmt.Sprintf("gpu: CopyIn of %d values into a %d-element buffer", len(src), dst.Len()))
	}
	if len(src) == 0 {
		return
	}
	defer b.enter()()
	b.counts.HostSyncs++
	must("cuMemcpyHtoDAsync", cu.MemcpyHtoDAsync(ptr(dst), unsafe.Pointer(&src[0]), int64(4*len(src)), b.stream))
	must("cuStreamSynchronize", b.stream.Synchronize()) // src may change once this returns
}

func (b *Backend) CopyOut(dst []float32, src engine.Buffer) {
	if len(dst) > src.Len() {
		panic(fmt.Sprintf("gpu: CopyOut of %d values from a %d-element buffer", len(dst), src.Len()))
	}
	if len(dst) == 0 {
		return
	}
	defer b.enter()()
	b.counts.HostSyncs++
	must("cuMemcpyDtoHAsync", cu.MemcpyDtoHAsync(unsafe.Pointer(&dst[0]), ptr(src), int64(4*len(dst)), b.stream))
	must("cuStreamSynchronize", b.stream.Synchronize())
}

func (b *Backend) Copy(dst, src engine.Buffer) {
	n := min(dst.Len(), src.Len())
	if n == 0 {
		return
	}
	defer b.enter()()
	b.counts.Copies++
	must("cuMemcpyDtoDAsync", cu.MemcpyDtoDAsync(ptr(dst), ptr(src), int64(4*n), b.stream))
}

func (b *Backend) Fill(dst engine.Buffer, v float32) {
	if dst.Len() == 0 {
		return
	}
	defer b.enter()()
	b.counts.Copies++
	must("cuMemsetD32Async", cu.MemsetD32Async(ptr(dst), uint(math.Float32bits(v)), int64(dst.Len()), b.stream))
}

func (b *Backend) Synchronize() error {
	defer b.enter()()
	b.counts.HostSyncs++
	if err := b.stream.Synchronize(); err != nil {
		return fmt.Errorf("cuda: %w", err)
	}
	return nil
}

// must panics on a failed driver call: the Backend's kernels have no error
// results, and a device that fails mid-step leaves nothing to continue with.
func must(call string, err error) {
	if err != nil {
		panic(fmt.Sprintf("gpu: %s: %v", call, err))
	}
}

// scratch is a grow-only device buffer.
type scratch struct {
	ptr   cu.DevicePtr
	bytes int64
	moves int // reallocations: a graph captured before one is stale
}

// get returns at least bytes of device memory (valid until the next get).
func (s *scratch) get(bytes int64) cu.DevicePtr {
	if bytes <= s.bytes {
		return s.ptr
	}
	if s.ptr != 0 {
		must("cuMemFree", cu.MemFree(s.ptr))
		s.moves++
	}
	p, err := cu.MemAlloc(bytes)
	must("cuMemAlloc", err)
	s.ptr, s.bytes = p, bytes
	return p
}

// scratchMoves counts the reallocations of every scratch buffer.
func (b *Backend) scratchMoves() int {
	return b.workspace.moves + b.padded.moves + b.partial.moves + b.done.moves + b.tf32Part.moves + b.convOut.moves
}

func (s *scratch) buffer(n int) engine.Buffer { return &buffer{ptr: s.get(int64(4 * max(n, 1))), n: n} }
