package study

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestStudyThreadsAreCapped: --threads beyond ThreadsPerCPU per CPU is the
// study's total capped as train caps it, and said in the start line; it
// was shared out uncapped (4 cells "of 25000 threads" each on 2 CPUs, each
// cell's config.json recording 25000 while its backend ran 8).
func TestStudyThreadsAreCapped(t *testing.T) {
	most := run.ThreadsPerCPU * runtime.NumCPU()
	p, err := place(run.DeviceConfig{Name: "cpu", Threads: 100000}, true, 2, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, s := range p.slots {
		got += s.threads
	}
	if got != most {
		t.Errorf("the slots share %d threads, want %d (%d per CPU)", got, most, run.ThreadsPerCPU)
	}
	if want := fmt.Sprintf("of %d (--threads 100000 is more than %d per CPU", most, run.ThreadsPerCPU); !strings.Contains(p.says, want) {
		t.Errorf("start line %q does not say %q", p.says, want)
	}
}
