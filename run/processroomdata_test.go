package run

import (
	"errors"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// withProcessRoom makes ProcessRoom report b bytes for the test.
func withProcessRoom(t *testing.T, b int64) {
	t.Helper()
	saved := ProcessRoom
	ProcessRoom = func() (int64, string) { return b, "test process limit" }
	t.Cleanup(func() { ProcessRoom = saved })
}

// TestProcessRoomIsWeighedWithoutTheData: the room a process's own limit
// (ulimit -v) leaves is weighed against what the run maps beyond its data
// set. Counting MNIST's 110 MB there as well refused runs that trained
// before the check: under ulimit -v 2000000, train of the report's CNN on
// MNIST ("this process may map only 77.8 MiB more", after the data was
// read, and so counted in what it maps already, and counted again), and
// under 1800000 a --train-limit 600 run on testdata's 2,500 images
// (before the data is read: a subset is not MNIST's size). The machine's
// memory is weighed with the data as before.
func TestProcessRoomIsWeighedWithoutTheData(t *testing.T) {
	withHostMemory(t, 1<<40)
	cfg := Default()
	need, err := cfg.Estimate()
	if err != nil {
		t.Fatal(err)
	}
	own := need.Host + need.Buffers - mnistHostBytes
	train := engine.Dataset{Images: make([]uint8, 480*784), Labels: make([]uint8, 480), Shape: engine.Shape{28, 28, 1}, Classes: 10}
	withProcessRoom(t, int64(own)+1<<20)
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate with room for the run beyond its data: %v", err)
	}
	if err := CheckDevice(cfg, cpuLike{}, train, cfg.BatchSize); err != nil {
		t.Errorf("CheckDevice with room for the run beyond its data: %v", err)
	}
	withProcessRoom(t, int64(own)-1<<20)
	for _, err := range []error{cfg.Validate(), CheckDevice(cfg, cpuLike{}, train, cfg.BatchSize)} {
		if !errors.As(err, new(*LimitError)) || !strings.Contains(err.Error(), "this process may map only") {
			t.Errorf("no room for the run beyond its data: err = %v, want the process's limit named", err)
		}
	}
}
