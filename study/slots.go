package study

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// A slot is one place where a cell trains: a device, and on the CPU the
// cell's share of the worker threads. A study runs one cell per slot at a
// time. Where a cell runs never changes what it computes: the CPU backend
// gives the same bits at any thread count, and a GPU in parity mode the same
// bits on any card of one kind.
type slot struct {
	device  string // "cpu", "cuda:1"; "" keeps the cell's own (a study whose cells differ in device)
	threads int    // cpu: the backend's worker threads
}

// apply puts a cell on the slot. Device settings are where a run happens,
// not what it computes: a study folder does not compare them, and a resumed
// cell takes the new ones.
func (s slot) apply(cfg *run.Config) {
	if s.device != "" {
		cfg.Device.Name = s.device
	}
	cfg.Device.Threads = 0
	if t, _ := engine.DeviceTraits(cfg.Device.Name); t.HostThreads {
		cfg.Device.Threads = s.threads
	}
}

// GPUJobs is the default number of cells trained at once on each GPU. One
// batch-64 step of the report's models leaves a large GPU mostly idle
// between kernel launches and loss reads; cells in one process overlap
// their host work with each other's kernels. Not yet measured on a card:
// pass --jobs to choose.
const GPUJobs = 4

// DefaultJobs is the number of cells a study trains at once when --jobs is
// not given: on the CPU one cell per two threads (threads is the study's
// total, GOMAXPROCS by default), on a GPU GPUJobs per device; never more
// than the cells to run.
//
// Why two threads a cell on the CPU: a cell's kernels scale well to two
// threads (on this project's 2-core machines the default study ran in
// 28-31 s as one cell of two threads at a time, 32-36 s as two cells of
// one thread; docs/study.md), but poorly to many (one cell on 16 cores ran
// ~1.3× the speed of 2), while separate cells scale with the cores they
// get. Two threads are one physical core on most x86 machines.
func DefaultJobs(device string, threads, cells int) int {
	jobs := GPUJobs
	if t, _ := engine.DeviceTraits(device); t.HostThreads {
		jobs = max(1, threads/2)
	}
	return max(1, min(jobs, cells))
}

// placement is where a study's cells run: its slots and a sentence saying so.
type placement struct {
	slots []slot
	says  string
}

// place plans the slots of a study whose cells (to run now: cells) use
// device dev (common: every cell has the same device name; else each
// keeps its own and only the threads are shared out).
func place(dev run.DeviceConfig, common bool, jobs int, devices []int, cells int) (placement, error) {
	name, index, err := engine.ParseDevice(dev.Name)
	if err != nil {
		return placement{}, &SettingError{fmt.Sprintf("--device %v", err)}
	}
	traits, _ := engine.DeviceTraits(dev.Name)
	if jobs < 0 {
		return placement{}, &SettingError{fmt.Sprintf("--jobs must not be negative, got %d", jobs)}
	}
	cells = max(cells, 1)
	if traits.HostThreads || !common {
		if len(devices) > 0 {
			return placement{}, &SettingError{fmt.Sprintf("--devices picks GPUs; this study runs on %s (pass --device cuda)", dev.Name)}
		}
		total, capped := dev.Threads, ""
		if total == 0 {
			total = runtime.GOMAXPROCS(0)
		}
		// A cell's backend caps its threads as train does; shared out
		// uncapped, each cell recorded a share it never ran with.
		if most := run.ThreadsPerCPU * runtime.NumCPU(); total > most {
			capped = fmt.Sprintf(" (--threads %d is more than %d per CPU: %d CPUs)", total, run.ThreadsPerCPU, runtime.NumCPU())
			total = most
		}
		if jobs == 0 {
			jobs = DefaultJobs("cpu", total, cells)
		}
		jobs = min(jobs, cells)
		p := placement{}
		for i := range jobs {
			// Threads shared out: the first total%jobs slots take one more.
			t := max(1, total/jobs)
			if total > jobs && i < total%jobs {
				t++
			}
			s := slot{threads: t}
			if common {
				s.device = dev.Name
			}
			p.slots = append(p.slots, s)
		}
		lo, hi := p.slots[len(p.slots)-1].threads, p.slots[0].threads
		share := fmt.Sprintf("%d threads each", lo)
		switch {
		case lo != hi:
			share = fmt.Sprintf("%d or %d threads each", lo, hi)
		case lo == 1:
			share = "1 thread each"
		}
		where := "on " + dev.Name
		if !common {
			where = "on their own devices"
		}
		p.says = fmt.Sprintf("%s at once %s, %s of %d", plural(jobs, "cell"), where, share, total)
		if jobs > total {
			p.says += " (more cells than threads)"
		}
		p.says += capped
		return p, nil
	}
	if dev.Threads != 0 {
		return placement{}, &SettingError{fmt.Sprintf("--threads is a CPU setting; this study runs on %s", dev.Name)}
	}
	if len(devices) == 0 {
		devices = []int{index}
	} else if strings.Contains(dev.Name, ":") {
		return placement{}, &SettingError{fmt.Sprintf("--device %s and --devices both pick GPUs; give one of them", dev.Name)}
	}
	seen := map[int]bool{}
	for _, d := range devices {
		if d < 0 || seen[d] {
			return placement{}, &SettingError{fmt.Sprintf("--devices: bad or repeated device index %d", d)}
		}
		seen[d] = true
	}
	if jobs == 0 {
		jobs = DefaultJobs(dev.Name, 0, cells)
	}
	// Round robin over the devices, so that a few cells still spread over
	// every GPU.
	p := placement{}
	for range jobs {
		for _, d := range devices {
			if len(p.slots) < cells {
				p.slots = append(p.slots, slot{device: fmt.Sprintf("%s:%d", name, d)})
			}
		}
	}
	var names []string
	for _, d := range devices {
		names = append(names, fmt.Sprintf("%s:%d", name, d))
	}
	p.says = fmt.Sprintf("%s at once on %s", plural(len(p.slots), "cell"), strings.Join(names, ", "))
	if len(devices) > 1 {
		p.says += fmt.Sprintf(" (up to %d on each)", jobs)
	}
	return p, nil
}

func plural(n int, word string) string { return run.Plural(n, word) }

// backendMu serialises opening backends: a GPU backend loads its libraries
// and modules into a context shared by every backend of the process.
var backendMu sync.Mutex

func openBackend(cfg run.Config, log io.Writer) (engine.Backend, error) {
	backendMu.Lock()
	defer backendMu.Unlock()
	return run.OpenBackend(cfg, log)
}

// MemoryReporter is a backend that can say how much of its device's memory
// is free. A study asks it before placing several cells on one GPU.
type MemoryReporter = run.MemoryReporter

// cellOverhead is what a cell needs on a GPU beyond its buffers: the
// convolution workspace, cuBLAS's workspace and the handles.
const cellOverhead = 64 << 20

// cellMemory estimates the device memory one cell of cfg holds while it
// trains: the model's buffers and the optimizer's state (need, run's
// Estimate), and on a GPU (resident) the training and validation sets when
// the backend keeps them on the device and cellOverhead.
func cellMemory(cfg run.Config, need run.Need, data *mnist.Set, resident bool) int64 {
	var floats int64
	augmented := cfg.Augment.Rotation != 0 || cfg.Augment.WidthShift != 0 || cfg.Augment.HeightShift != 0 || cfg.Augment.Zoom != 0
	if resident && data != nil && !augmented {
		d := data.Train.Head(cfg.Data.TrainLimit)
		floats += int64(d.Len()) * int64(d.Shape.Size()+d.Classes+1) // images, one-hot labels, row order
	}
	buffers := int64(min(need.Buffers, 1<<62)) // bounded: no float-to-int overflow
	if !resident {
		return buffers + 4*floats
	}
	return buffers + 4*floats + cellOverhead
}

// checkMemory refuses to place more cells on a GPU than its free memory
// holds, asking one backend per device (when it can say; else it says it
// cannot tell). need is one cell's estimate.
func checkMemory(p placement, base run.Config, need int64, log io.Writer) error {
	per := map[string]int{}
	var order []string
	for _, s := range p.slots {
		if per[s.device] == 0 {
			order = append(order, s.device)
		}
		per[s.device]++
	}
	for _, dev := range order {
		cfg := base
		cfg.Device.Name, cfg.Device.Threads = dev, 0
		be, err := openBackend(cfg, io.Discard)
		if err != nil {
			return err
		}
		mr, ok := be.(MemoryReporter)
		var free int64
		if ok {
			free, _, err = mr.MemoryInfo()
		}
		if cerr := engine.Close(be); err == nil {
			err = cerr
		}
		if !ok {
			fmt.Fprintf(log, "%s: cannot tell its free memory (the backend does not report it); %s at once: about %s\n",
				dev, plural(per[dev], "cell"), mib(int64(per[dev])*need))
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: free memory: %w", dev, err)
		}
		// A tenth is left for what the estimate does not see.
		usable := free - free/10
		if int64(per[dev])*need > usable {
			fit := max(0, usable/need)
			return &SettingError{fmt.Sprintf("%s has %s free; %s at once would need about %s (%s each: weights, activations, optimizer state, the resident data set, workspace); pass --jobs %d or fewer",
				dev, mib(free), plural(per[dev], "cell"), mib(int64(per[dev])*need), mib(need), fit)}
		}
	}
	return nil
}

func mib(b int64) string {
	if b >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", (b+(1<<20)-1)>>20)
}
