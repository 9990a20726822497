package run

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	_ "mnistgpu/cpu"
	"mnistgpu/engine"
)

// withHostMemory makes HostMemory report b bytes for the test.
func withHostMemory(t *testing.T, b int64) {
	t.Helper()
	saved := HostMemory
	HostMemory = func() (int64, string) { return b, "test limit" }
	t.Cleanup(func() { HostMemory = saved })
}

// TestEstimateIsTheCompiledCount: the estimate at batch B, extrapolated from
// compiles at batches 1 and 2, is what Compile allocates at B, plus the
// optimizer's state.
func TestEstimateIsTheCompiledCount(t *testing.T) {
	for _, name := range engine.PresetNames {
		cfg := Default()
		cfg.Model.Name, cfg.BatchSize = name, 100
		need, err := cfg.Estimate()
		if err != nil {
			t.Fatal(err)
		}
		m, err := BuildModel(name, "")
		if err != nil {
			t.Fatal(err)
		}
		var cb countingBackend
		if err := m.Compile(&cb, engine.CategoricalCrossEntropy, cfg.BatchSize); err != nil {
			t.Fatal(err)
		}
		if want := 4 * float64(cb.n+2*int64(m.NumParams())); need.Buffers != want {
			t.Errorf("%s: buffers %g bytes, compiling at batch 100 allocates %g with Adam's state", name, need.Buffers, want)
		}
		// On a backend that fuses a conv with its pool (CheckDevice with
		// the cuda backend), the count is that of the fused model.
		fused, err := cfg.estimateAt(cfg.BatchSize, fusesConvPools(fusingGPU{}))
		if err != nil {
			t.Fatal(err)
		}
		fc := fusingCounter{&countingBackend{}}
		if err := m.Compile(fc, engine.CategoricalCrossEntropy, cfg.BatchSize); err != nil {
			t.Fatal(err)
		}
		if want := 4 * float64(fc.n+2*int64(m.NumParams())); fused.Buffers != want {
			t.Errorf("%s fused: buffers %g bytes, compiling at batch 100 allocates %g with Adam's state", name, fused.Buffers, want)
		}
		// The fused op keeps the pool's argmax and pre-activation but no
		// gradient of the conv's output: less, so the unfused Estimate is
		// an upper bound.
		if name == "cnn" && !(fused.Buffers < need.Buffers) {
			t.Errorf("cnn: fused %g bytes, unfused %g: the fused model should hold less", fused.Buffers, need.Buffers)
		}
	}
	if fusesConvPools(gpuLike{}) || !fusesConvPools(fusingGPU{}) {
		t.Error("fusesConvPools does not tell a backend that fuses from one that does not")
	}
}

// fusingGPU is a gpuLike backend that fuses a conv with its pool.
type fusingGPU struct{ gpuLike }

func (fusingGPU) ConvBiasActivationPoolForward(engine.ConvParams, engine.PoolParams, engine.Activation, float32, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer) bool {
	return false
}

func (fusingGPU) MaxPoolArgmaxActivationBackwardBiasGrad(engine.PoolParams, engine.Activation, float32, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer) {
}

// TestValidateRefusesWhatDoesNotFit: before anything is allocated, a batch
// size or a model too large for the host is refused in one line naming the
// setting, the figure and the limit, as a bad setting (exit 2). Batch sizes
// up to the largest int are estimated without overflow.
func TestValidateRefusesWhatDoesNotFit(t *testing.T) {
	withHostMemory(t, 1<<30)
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":1000000,"activation":"relu"},{"type":"Dense","units":10,"activation":"softmax"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.BatchSize = 5000 }, "--batch-size 5000 needs about 3.5 GiB of memory, 3.3 GiB of it for batches of 5000; this machine has 1.0 GiB (test limit)"},
		{func(c *Config) { c.BatchSize = 1000000000 }, "--batch-size 1000000000 needs about 40.2 GiB of memory, 40.1 GiB of it for a batch of up to 60000 images (no more are trained on); this machine has 1.0 GiB (test limit)"},
		{func(c *Config) { c.BatchSize = math.MaxInt }, "--batch-size " + strconv.Itoa(math.MaxInt) + " needs about 40.2 GiB of memory"},
		{func(c *Config) { c.Model.Name = big }, "--model " + big + " needs about 21.8 GiB of memory, 978 MiB of it for batches of 64; this machine has 1.0 GiB (test limit)"},
	} {
		cfg := Default()
		c.set(&cfg)
		err := cfg.Validate()
		var le *LimitError
		var ve *ValueError
		if !errors.As(err, &le) || !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("err = %v\nwant one line starting %q, a *LimitError and a *ValueError", err, c.want)
		}
	}
	// What fits is accepted: the report's CNN at batch 64, a GPU run's
	// device buffers, which only CheckDevice weighs, and a batch size far
	// beyond the training images, which hold one batch of them all.
	for _, set := range []func(*Config){func(*Config) {}, func(c *Config) { c.Device.Name, c.BatchSize = "testgpu", 10000 },
		func(c *Config) { c.BatchSize, c.Data.TrainLimit = 1000000000, 320 }} {
		cfg := Default()
		set(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Error(err)
		}
	}
	// Where the host's memory is unknown, only the per-tensor bounds hold.
	withHostMemory(t, 0)
	cfg := Default()
	cfg.BatchSize = 1000000000
	if err := cfg.Validate(); err != nil {
		t.Errorf("no known limit: %v", err)
	}
}

// gpuLike is a backend that reports its free memory and keeps its data sets
// on the device; it allocates nothing. It is registered as "testgpu".
type gpuLike struct {
	engine.Backend
	free int64
}

func init() {
	engine.Register(engine.DeviceKind{Name: "testgpu", Traits: engine.Traits{ResidentData: true},
		New: func(engine.Options) (engine.Backend, error) { return gpuLike{free: 1 << 30}, nil }})
}

func (g gpuLike) Name() string                      { return "cuda:0" }
func (g gpuLike) Traits() engine.Traits             { return engine.Traits{ResidentData: true} }
func (g gpuLike) MemoryInfo() (int64, int64, error) { return g.free, 2 * g.free, nil }

// TestCheckDeviceWeighsFreeMemory: on a backend that reports its memory, a
// run's buffers, workspace and resident data set are weighed against the
// free memory; on one that does not, against the host's.
func TestCheckDeviceWeighsFreeMemory(t *testing.T) {
	withHostMemory(t, 1<<40)
	train := engine.Dataset{Images: make([]uint8, 48000*784), Labels: make([]uint8, 48000), Shape: engine.Shape{28, 28, 1}, Classes: 10}
	cfg := Default()
	cfg.Device.Name = "testgpu"
	if err := CheckDevice(cfg, gpuLike{free: 1 << 30}, train, min(cfg.BatchSize, train.Len())); err != nil {
		t.Errorf("the CNN at batch 64 on 1 GiB: %v", err)
	}
	cfg.BatchSize = 100000
	err := CheckDevice(cfg, gpuLike{free: 1 << 30}, train, min(cfg.BatchSize, train.Len()))
	if want := "--batch-size 100000 needs about 32.0 GiB of device memory, 31.8 GiB of it for a batch of up to 48000 images (no more are trained on); cuda:0 has 1.0 GiB free"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	withHostMemory(t, 1<<30)
	cfg.Device.Name = "auto" // opened the cpu: its buffers are host memory
	if err := CheckDevice(cfg, cpuLike{}, train, min(cfg.BatchSize, train.Len())); err == nil || !strings.Contains(err.Error(), "--batch-size 100000 needs about 32.2 GiB of memory, 32.1 GiB of it for a batch of up to 48000 images (no more are trained on); this machine has 1.0 GiB (test limit)") {
		t.Errorf("cpu: err = %v", err)
	}
}

type cpuLike struct{ engine.Backend }

func (cpuLike) Traits() engine.Traits { return engine.Traits{} }

// TestThreadsAreCapped: more than ThreadsPerCPU threads a CPU are lowered to
// that, and the log says so; 0 (GOMAXPROCS) and fewer are kept.
func TestThreadsAreCapped(t *testing.T) {
	most := ThreadsPerCPU * runtime.NumCPU()
	var log bytes.Buffer
	if got := capThreads(100000, &log); got != most || !strings.Contains(log.String(), "--threads 100000 is more than 4 per CPU") {
		t.Errorf("capThreads(100000) = %d, log %q", got, log.String())
	}
	log.Reset()
	for _, n := range []int{0, 1, most} {
		if got := capThreads(n, &log); got != n || log.Len() > 0 {
			t.Errorf("capThreads(%d) = %d, log %q", n, got, log.String())
		}
	}
	cfg := Default()
	cfg.Device.Threads = 100000
	be, err := OpenBackend(cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	if n := be.(interface{ Threads() int }).Threads(); n != most || !strings.Contains(log.String(), "using") {
		t.Errorf("--threads 100000 opened a cpu backend of %d threads; log %q", n, log.String())
	}
}

func TestMemTotal(t *testing.T) {
	raw := []byte("MemFree:         1234 kB\nMemTotal:       16318480 kB\n")
	if got := memTotal(raw); got != 16318480<<10 {
		t.Errorf("memTotal = %d", got)
	}
	if got := memTotal([]byte("MemTotal: lots\n")); got != 0 {
		t.Errorf("memTotal of garbage = %d", got)
	}
}

// Validate builds the model once, for both the checks that need it (it
// fits MNIST, its run fits this host): it built it for each. A study
// validates every cell.
func TestValidateBuildsTheModelOnce(t *testing.T) {
	c := Default()
	c.Model.Name = "cnn"
	before := ModelsBuilt()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if built := ModelsBuilt() - before; built != 1 {
		t.Errorf("Validate built %d models, want 1", built)
	}
}
