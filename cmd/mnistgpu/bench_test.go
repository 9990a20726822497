package main

import (
	"encoding/json"
	"math"
	"runtime"
	"testing"
)

// bench --threads 1,2 runs each and gives the scaling; a bad list is a
// usage error.
func TestBenchThreadList(t *testing.T) {
	stdout, stderr, code := output(t, "bench", "--device", "cpu", "--model", "mlp", "--threads", "1,2", "--steps", "2", "--runs", "1", "--warmup", "1", "--format", "json")
	var rs []benchResult
	if code != 0 || json.Unmarshal([]byte(stdout), &rs) != nil || len(rs) != 2 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if rs[0].Threads != 1 || rs[1].Threads != 2 || rs[0].SpeedUp != 0 || rs[1].SpeedUp <= 0 || rs[1].MsPerStep <= 0 {
		t.Errorf("results %+v", rs)
	}
	for _, bad := range []string{"0,x", "-1", "1,,2"} {
		if err := cliRun("bench", "--threads", bad); exitCode(err) != 2 {
			t.Errorf("--threads %s: %v", bad, err)
		}
	}
	// --threads 0 is the default, as train's and check's (it was refused).
	stdout, stderr, code = output(t, "bench", "--device", "cpu", "--model", "mlp", "--threads", "0", "--steps", "1", "--runs", "1", "--warmup", "0", "--format", "json")
	var r benchResult
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || r.Threads != runtime.GOMAXPROCS(0) {
		t.Errorf("--threads 0: exit %d, threads %d, want GOMAXPROCS %d: %s %s", code, r.Threads, runtime.GOMAXPROCS(0), stdout, stderr)
	}
}

// The median of an even number of runs is the mean of the middle two (it
// printed the upper one).
func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{0.77, 1.43}, 1.1}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.xs); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	if got := msList([]float64{62.14450000000001, 0.5}); got != "[62.14 0.50]" {
		t.Errorf("msList: %s", got)
	}
}

// TestBenchDataIsOneEpoch: bench's synthetic data is at most an epoch of
// MNIST, however many steps it runs (a run of more starts another pass):
// it held --steps × --batch-size images (10,000,000 steps ran it out of
// memory with a Go stack trace; here 300,000 images, 235 MB, where the
// model at batch 4000 and an epoch of images peak near 110 MB).
func TestBenchDataIsOneEpoch(t *testing.T) {
	stdout, stderr, code := output(t, "bench", "--device", "cpu", "--model", "mlp", "--batch-size", "4000", "--steps", "75",
		"--runs", "1", "--warmup", "0", "--format", "json")
	var r benchResult
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if r.Steps != 75 || r.MsPerStep <= 0 {
		t.Errorf("result %+v", r)
	}
	if r.PeakRSSMB == nil {
		t.Skip("no peak RSS on this system")
	}
	if *r.PeakRSSMB > 180 {
		t.Errorf("peak RSS %.0f MB: more than the model and an epoch of images (47 MB)", *r.PeakRSSMB)
	}
}
