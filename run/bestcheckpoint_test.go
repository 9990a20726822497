package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// TestBestRemovedBeforeItsLoadIsMissing: a best checkpoint gone when
// evaluateBest loads it is recorded as best_checkpoint_missing and said so,
// not returned as the load's error (it was checked for, then loaded, and a
// removal in between failed the run).
func TestBestRemovedBeforeItsLoadIsMissing(t *testing.T) {
	m, err := BuildModel("mlp", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	best := filepath.Join(dir, "best.safetensors")
	if err := os.WriteFile(best, []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(best); err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	cfg.Output.Dir = dir
	ckpt := &engine.ModelCheckpoint{Path: "best.safetensors", Monitor: "loss", SaveBestOnly: true, Best: best}
	var r Result
	var out strings.Builder
	if err := evaluateBest(cfg, m, engine.Dataset{}, ckpt, &r, &out); err != nil {
		t.Fatalf("evaluateBest: %v", err)
	}
	if r.BestMissing != "best.safetensors" || r.BestCheckpoint != "" || !strings.Contains(out.String(), best+"  (loss ") || !strings.Contains(out.String(), "missing: removed since it was saved") {
		t.Errorf("recorded missing %q, best %q; said %q", r.BestMissing, r.BestCheckpoint, out.String())
	}
}
