//go:build cuda

package study

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "mnistgpu/gpu"
)

// TestPlanOpensEveryCellsOptions: a study whose first cell runs in TF32
// mode and another in parity mode, with MNISTGPU_OWN_TF32_GEMM=1, which
// the parity cell's backend refuses, is refused when planned, naming that
// cell; it was refused only when the cell's turn came, the others trained.
func TestPlanOpensEveryCellsOptions(t *testing.T) {
	base := cudaBase(t)
	t.Setenv("MNISTGPU_OWN_TF32_GEMM", "1")
	f := File{Name: "own-tf32", Axes: []Axis{{Name: "tf32", Values: []string{"true", "false"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "256"}}
	dir := filepath.Join(t.TempDir(), "study")
	_, err := NewPlan(f, dir, base, Options{Shard: Shard{1, 1}})
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "cell tf32=false,seed=1: ") || !strings.Contains(err.Error(), "--tf32") {
		t.Errorf("planning a parity cell with MNISTGPU_OWN_TF32_GEMM=1: %v", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the study folder was written")
	}
	f.Axes, f.Fixed["tf32"] = nil, "true"
	if _, err := NewPlan(f, dir, base, Options{Shard: Shard{1, 1}}); err != nil {
		t.Errorf("every cell in TF32 mode: %v", err)
	}
}
