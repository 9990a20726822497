package run

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

// A run's memory is estimated before anything is allocated, and a run that
// cannot fit is refused with one line giving the figure and the limit: on
// the host, the machine's physical memory (or its cgroup's limit, when
// lower); on a device that reports it, its free memory. Without a limit
// known (a system with neither /proc/meminfo nor a cgroup file), only the
// per-tensor bounds of engine.MaxElements hold.
//
// The estimate counts what a run holds at once:
//   - the backend's buffers, counted by compiling the model on a backend that
//     only counts (weights, gradients, activations and their gradients at the
//     batch size, and the buffers of each op), plus the optimizer's state;
//     a GPU that keeps the data sets on the device also holds those;
//   - on the host beyond them: MNIST as loaded and split, the batches
//     gathered there for training and evaluation, and the copies of the
//     weights and optimizer state that a saved state passes through.
//
// On the CPU both parts are host memory.

// MemoryReporter is a backend that can say how much of its device's memory
// is free (the cuda backend; a study asks it too).
type MemoryReporter interface {
	MemoryInfo() (free, total int64, err error)
}

// LimitError is a run that does not fit: the figure it needs and the limit.
// It is a *ValueError (a bad setting, exit 2) for the CLI; a study records
// it as the failure of that cell and goes on with the others.
type LimitError struct{ ValueError }

func (e *LimitError) Unwrap() error { return &e.ValueError }

// Need is what a configuration holds at once, in bytes. Sizes are float64
// so that no product wraps around, whatever the batch size.
type Need struct {
	// Buffers: the backend's buffers (parameters, gradients, optimizer state,
	// activations at the batch size). On a GPU, device memory.
	Buffers float64
	// BuffersBatch: of Buffers, the part that grows with the batch size.
	BuffersBatch float64
	// Host: host memory beyond the buffers (data, staged batches, copies
	// of the weights and state).
	Host float64
	// HostBatch: of Host, the part that grows with the batch size.
	HostBatch float64
}

// mnistHostBytes is MNIST on the host: 70,000 images of 784 bytes and their
// labels, once as loaded and once more as split into training and
// validation sets.
const mnistHostBytes = 2 * 70000 * (784 + 1)

// deviceOverhead is what a GPU run needs beyond its buffers: the
// convolution and cuBLAS workspaces and the library handles.
const deviceOverhead = 64 << 20

// Estimate is what c needs to train: at its batch size, or at the number of
// training images when that is smaller, since no batch holds more
// (engine.LargestBatch).
//
// The model is counted as a backend that fuses nothing compiles it: on the
// cuda backend, which compiles a conv and its pool to one op
// (engine.ConvPoolFuser) and keeps no gradient of the conv's output, that is
// an upper bound (the report's CNN at batch 64: 4.8 MB over); CheckDevice
// counts what the open backend compiles.
func (c Config) Estimate() (Need, error) { return c.estimateAt(c.largestBatch(), false) }

// EstimateModel is Estimate for m, c's model already built (BuildModel), so
// that a caller who needs the model for more (a study's plan: its FLOPs)
// builds it once. m is compiled on a counting backend and freed.
func (c Config) EstimateModel(m *engine.Model) (Need, error) {
	return c.estimateModelAt(m, c.largestBatch(), false)
}

// largestBatch is the largest batch c's run holds, as far as its settings
// tell before the data is loaded.
func (c Config) largestBatch() int {
	// MNIST's training set, the most images a run reads before its data is
	// loaded shows otherwise (a custom --data-dir may hold more:
	// CheckDevice weighs the sets loaded).
	images := mnist.TrainImages
	if c.Data.TrainLimit > 0 {
		images = min(images, c.Data.TrainLimit)
	}
	return engine.LargestBatch(c.BatchSize, images)
}

// estimateAt is what c needs to train with buffers for batches of batch,
// on a backend that fuses a conv with its pool or not (estimate).
func (c Config) estimateAt(batch int, fuses bool) (Need, error) {
	m, err := BuildRecordedModel(c.Model.Name, c.Model.Activation) // c is validated: a new run's file was read as Validate reads it
	if err != nil {
		return Need{}, err
	}
	return c.estimateModelAt(m, batch, fuses)
}

// estimateModelAt is estimateAt for m, c's model already built.
func (c Config) estimateModelAt(m *engine.Model, batch int, fuses bool) (Need, error) {
	loss, err := engine.ParseLoss(c.Model.Loss)
	if err != nil {
		return Need{}, &ValueError{Flag: "loss", Msg: err.Error()}
	}
	need, err := estimate(m, loss, batch, c.optimizerSlots(), fuses)
	return need, compileError(err, "model", c.Model.Name)
}

// compileError makes a model that does not compile (categorical
// cross-entropy without a softmax output) the setting's error, naming it
// (exit 2); it was a bare "compile: ..." with exit 1.
func compileError(err error, flag, value string) error {
	var ve *ValueError
	if err == nil || errors.As(err, &ve) {
		return err
	}
	return &ValueError{Flag: flag, Msg: fmt.Sprintf("%s: %v", value, err)}
}

// estimate is what model m needs at batch with slots values of optimizer
// state per weight (0: no training). The model is compiled twice on a
// counting backend, at batches 1 and 2: every buffer is a fixed size or a
// multiple of the batch, so the two counts give both parts exactly, and the
// batch size itself is never multiplied in an int. Compiling again on a
// real backend replaces every buffer counted here. With fuses the counting
// backend fuses a conv with its pool (engine.ConvPoolFuser), as the backend
// the model will run on does, so the model it compiles holds the same
// buffers.
func estimate(m *engine.Model, loss engine.Loss, batchSize int, slots float64, fuses bool) (Need, error) {
	var counts [2]int64
	for i := range counts {
		cb := &countingBackend{}
		var counter engine.Backend = cb
		if fuses {
			counter = fusingCounter{cb}
		}
		if err := m.Compile(counter, loss, i+1); err != nil {
			return Need{}, err
		}
		counts[i] = cb.n
	}
	m.Free() // nothing to free; a real Compile then starts clean
	perSample := float64(counts[1] - counts[0])
	fixed := float64(counts[0]) - perSample
	params := float64(m.NumParams())
	batch := float64(batchSize)
	in, classes := float64(m.Input.Size()), float64(m.OutputShape().Size())
	n := Need{BuffersBatch: 4 * perSample * batch}
	n.Buffers = 4*(fixed+slots*params) + n.BuffersBatch
	// Host: a training and an evaluation batch (images and one-hot targets),
	// and a state being saved: the weights and optimizer state copied out.
	n.HostBatch = 4 * 2 * batch * (in + classes)
	n.Host = mnistHostBytes + n.HostBatch + 4*(1+slots)*params
	return n, nil
}

// optimizerSlots is the optimizer state per weight: Adam's (and AdamW's)
// two moments, RMSprop's and Adagrad's accumulator, SGD's velocity when it
// has momentum.
func (c Config) optimizerSlots() float64 {
	switch c.Optimizer.Name {
	case "adam", "adamw":
		return 2
	case "sgd":
		if m := c.Optimizer.Momentum; m == nil || *m == 0 {
			return 0
		}
	}
	return 1
}

// countingBackend is a Backend that only counts the floats allocated on it
// (and frees nothing, having allocated nothing); any kernel call panics (the
// embedded interface is nil).
type countingBackend struct {
	engine.Backend
	n int64
}

type countedBuffer int

func (b countedBuffer) Len() int                       { return int(b) }
func (b countedBuffer) Slice(off, n int) engine.Buffer { return countedBuffer(n) }
func (c *countingBackend) Alloc(n int) (engine.Buffer, error) {
	c.n += int64(n)
	return countedBuffer(n), nil
}
func (c *countingBackend) Free(engine.Buffer) {}

// fusesConvPools: be compiles a conv and the pool above it to one op.
func fusesConvPools(be engine.Backend) bool {
	_, ok := be.(engine.ConvPoolFuser)
	return ok
}

// fusingCounter is a countingBackend that fuses a conv with the pool above
// it (engine.ConvPoolFuser) as the cuda backend does: the fused op holds the
// pool's argmax and pre-activation besides the conv's buffers. Compiling
// calls no kernel, so its kernels are never run.
type fusingCounter struct{ *countingBackend }

func (fusingCounter) ConvBiasActivationPoolForward(engine.ConvParams, engine.PoolParams, engine.Activation, float32, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer) bool {
	panic("run: a counting backend runs no kernel")
}

func (fusingCounter) MaxPoolArgmaxActivationBackwardBiasGrad(engine.PoolParams, engine.Activation, float32, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer, engine.Buffer) {
	panic("run: a counting backend runs no kernel")
}

// checkModel refuses, before anything is allocated (Validate calls it), a
// model that cannot be built or cannot take MNIST (CheckFitsMNIST), and a
// configuration that cannot fit this host: the device's buffers count as
// host memory on the cpu device; on any other, CheckDevice weighs them once
// the backend is open. It builds the model once for both: building one
// reads its model file, and a study validates every cell.
func (c Config) checkModel(recorded bool) error {
	build := BuildModel
	if recorded {
		build = BuildRecordedModel
	}
	m, err := build(c.Model.Name, c.Model.Activation)
	if err != nil {
		return err
	}
	if err := CheckFitsMNIST(m, "model", c.Model.Name); err != nil {
		return err
	}
	need, err := c.EstimateModel(m)
	if err != nil {
		return err
	}
	return c.CheckHost(need)
}

// CheckHost is the check of Validate that c's run fits this host, given
// need, c's Estimate: a *LimitError when it does not.
func (c Config) CheckHost(need Need) error {
	// A backend whose kernels run on the host's cores (cpu) keeps its
	// buffers in host memory; "auto" is weighed as the kind it picks now.
	traits, err := engine.DeviceTraits(c.Device.Name)
	if err != nil {
		return &ValueError{Flag: "device", Msg: err.Error()}
	}
	return c.subject(c.largestBatch()).weighHost(need, traits.HostThreads)
}

// CheckDevice refuses a configuration whose buffers do not fit the free
// memory of be's device, when be reports it (train: the images it trains
// on, which a GPU keeps on the device unless they are augmented). A backend
// that does not report its memory keeps its buffers on the host, where
// checkModel weighs them: they are counted here too, for "auto" that
// opened the cpu. The buffers are those for batches of batch, which the
// model is compiled for: engine.LargestBatch of the batch size and the sets.
func CheckDevice(c Config, be engine.Backend, train engine.Dataset, batch int) error {
	need, err := c.estimateAt(batch, fusesConvPools(be))
	if err != nil {
		return err
	}
	var resident float64
	if be.Traits().ResidentData && !c.augmentation().Enabled() {
		resident = 4 * float64(train.Len()) * float64(train.Shape.Size()+train.Classes+1) // images, one-hot labels, row order
	}
	return c.subject(batch).weighDevice(need, resident, be)
}

// CheckModel refuses to compile a built model at batch on be (evaluate,
// predict, bench: no optimizer state) when its buffers do not fit; the
// model is named as the setting it came from: flag ("model", "weights") and
// its value.
func CheckModel(m *engine.Model, flag, value string, batch int, be engine.Backend) error {
	return CheckModelTraining(m, flag, value, batch, 0, be)
}

// CheckModelTraining is CheckModel for a model that trains (bench) with an
// optimizer keeping slots floats of state per weight (Adam: 2): a model
// whose weights fit but whose training does not was compiled and ran out
// of memory.
func CheckModelTraining(m *engine.Model, flag, value string, batch int, slots float64, be engine.Backend) error {
	need, err := estimate(m, EvalLoss(m, ""), batch, slots, fusesConvPools(be))
	if err != nil {
		return compileError(err, flag, value)
	}
	return subject{flag: flag, model: value, batch: batch}.weighDevice(need, 0, be)
}

// subject is what a refusal names: the setting that gave the model, its
// value, the batch size asked for and the largest batch the run holds
// (smaller when the images are fewer; 0: the batch size).
type subject struct {
	flag, model string
	batch, held int
}

func (c Config) subject(held int) subject {
	return subject{flag: "model", model: c.Model.Name, batch: c.BatchSize, held: held}
}

// weighHost compares need with the host's memory, the buffers included
// when the backend keeps them there.
func (s subject) weighHost(need Need, buffers bool) error {
	total, batch, what := need.Host, need.HostBatch, "host memory"
	if buffers {
		total, batch, what = need.Host+need.Buffers, need.HostBatch+need.BuffersBatch, "memory"
	}
	if limit, source := HostMemory(); limit > 0 && total > float64(limit) {
		return s.refuse(total, batch, what, fmt.Sprintf("this machine has %s (%s)", bytesText(float64(limit)), source))
	}
	// A limit of the process's own (ulimit -v, as batch schedulers set)
	// below the machine's: a run that passed the machine's memory ended in
	// "fatal error: out of memory" and a trace of every goroutine. It is
	// weighed without the data set: once read, the data is among what the
	// process maps already (counted twice, it refused the report's CNN on
	// MNIST under ulimit -v 2000000, which trains), and before, its size is
	// not known (a --train-limit or a subset holds less than MNIST).
	if room, source := ProcessRoom(); room > 0 && total-mnistHostBytes > float64(room) {
		return s.refuse(total-mnistHostBytes, batch, what+" beyond its data set", fmt.Sprintf("this process may map only %s more (%s)", bytesText(float64(room)), source))
	}
	return nil
}

// weighDevice compares need's buffers, the workspace and resident data with
// the free memory of be's device, or with the host's when be does not report
// its memory (its buffers are host memory).
func (s subject) weighDevice(need Need, resident float64, be engine.Backend) error {
	mr, ok := be.(MemoryReporter)
	if !ok {
		return s.weighHost(need, true)
	}
	total := need.Buffers + deviceOverhead + resident
	free, _, err := mr.MemoryInfo()
	if err != nil {
		return fmt.Errorf("%s: free memory: %w", be.Name(), err)
	}
	if total <= float64(free) {
		return nil
	}
	return s.refuse(total, need.BuffersBatch, "device memory", fmt.Sprintf("%s has %s free", be.Name(), bytesText(float64(free))))
}

// refuse names the setting to change: the batch size when its share of the
// total (batch) is more than half, else the model.
func (s subject) refuse(total, batch float64, what, limit string) error {
	flag, value := s.flag, s.model
	if batch > total/2 {
		flag, value = "batch-size", strconv.Itoa(s.batch)
	}
	batches := fmt.Sprintf("batches of %d", s.batch)
	if s.held > 0 && s.held < s.batch {
		batches = fmt.Sprintf("a batch of up to %s (no more are trained on)", Plural(s.held, "image"))
	}
	return &LimitError{ValueError{Flag: flag, Msg: fmt.Sprintf("%s needs about %s of %s, %s of it for %s; %s",
		value, bytesText(total), what, bytesText(batch), batches, limit)}}
}

// HostMemory is the memory this process may use: the machine's physical
// memory, or its cgroup's limit when lower; 0 when neither is known. The
// source says which (for messages). A variable so that tests can set it.
var HostMemory = func() (bytes int64, source string) {
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		bytes, source = memTotal(raw), "physical memory"
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64); err == nil && n > 0 && (bytes == 0 || n < bytes) {
			bytes, source = n, "the cgroup's memory limit"
		}
	}
	return bytes, source
}

// ProcessRoom is what this process may still map under its own limits
// (on Linux, ulimit -v and ulimit -d), less what it maps already; 0 when it
// has none. The source says which (for messages). A variable so that tests
// can set it.
var ProcessRoom = processRoom

// memTotal reads MemTotal (in kB) from /proc/meminfo; 0 if absent.
func memTotal(raw []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 && kb < 1<<53 {
				return kb << 10
			}
		}
	}
	return 0
}

// bytesText writes a byte count with a binary unit: "512 MiB", "5.7 TiB".
func bytesText(b float64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 || b >= 100 {
		return fmt.Sprintf("%.0f %s", b, units[i])
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}

// ThreadsPerCPU caps --threads: more workers than this per CPU only queue
// behind each other (100,000 threads took 10 s a step).
const ThreadsPerCPU = 4

// capThreads returns threads capped at ThreadsPerCPU per CPU, saying so on
// log when it lowers them (0, GOMAXPROCS, is left as it is).
func capThreads(threads int, log io.Writer) int {
	most := ThreadsPerCPU * runtime.NumCPU()
	if threads <= most {
		return threads
	}
	fmt.Fprintf(orDiscard(log), "--threads %d is more than %d per CPU (%d CPUs); using %d\n", threads, ThreadsPerCPU, runtime.NumCPU(), most)
	return most
}
