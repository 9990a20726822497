//go:build cuda

package gpu

import (
	"strings"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine/enginetest"
)

// The device reads the loss every 50 steps, yet a run that diverges names
// the epoch and step the CPU names (which reads it every step), eagerly and
// replaying captured steps, fresh, resumed within an epoch and ended by
// MaxSteps: its loss kernels record the step in the launch that adds the
// sums, and the read fetches it with them.
func TestDivergenceStepIsTheCPUs(t *testing.T) {
	for _, e := range enginetest.Divergence(t, cpu.New(), device(t)) {
		if e.ReadStep == e.Step || !strings.Contains(e.Error(), "where the loss was read") {
			t.Errorf("read at step %d: %q", e.ReadStep, e)
		}
	}
}
