package engine_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"mnistgpu/engine"
)

// A run whose checkpoints were named before names spelled numbers as
// Python does ("w02-3" for a metric of 3, now "w02-3.0") finds them again
// when it is resumed: KeepLast deletes them in turn and Best is the best
// epoch's file. Without the earlier spelling the resume looked for names
// that were never written: the old files stayed for good, and a run saved
// best-only ended without its best checkpoint.
func TestResumeFindsCheckpointsNamedTheEarlierWay(t *testing.T) {
	c := resumeCase{epochs: 5, split: 3, callbacks: func(dir string) []engine.Callback {
		return []engine.Callback{&scripted{"val_accuracy", []float64{1, 3, 2, 2, 2}},
			&engine.ModelCheckpoint{Path: filepath.Join(dir, "best{epoch:02d}-{val_accuracy}.safetensors"), Monitor: "val_accuracy", Mode: "max", SaveBestOnly: true},
			&engine.ModelCheckpoint{Path: filepath.Join(dir, "w{epoch:02d}-{val_accuracy:.3}.safetensors"), KeepLast: 2}}
	}}
	dir := t.TempDir()
	fitInto(t, c, dir, c.split, false)
	// The names the run's files had then: Go's shortest %g, "3" for 3.0.
	for now, then := range map[string]string{
		"best01-1.0.safetensors": "best01-1.safetensors", "best02-3.0.safetensors": "best02-3.safetensors",
		"w02-3.0.safetensors": "w02-3.safetensors", "w03-2.0.safetensors": "w03-2.safetensors",
	} {
		if err := os.Rename(filepath.Join(dir, now), filepath.Join(dir, then)); err != nil {
			t.Fatal(err)
		}
	}
	r := fitInto(t, c, dir, c.epochs, true)
	want := []string{"best01-1.safetensors", "best02-3.safetensors", "w04-2.0.safetensors", "w05-2.0.safetensors"}
	if got := keys(weightFiles(t, dir)); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if best := filepath.Base(r.callbacks[1].(*engine.ModelCheckpoint).Best); best != "best02-3.safetensors" {
		t.Errorf("best checkpoint %q, want best02-3.safetensors", best)
	}
}

// Likewise for the checkpoints a run named before templates followed
// Python's format spec: a sign in the width was read as part of it
// ("{epoch:-3}" wrote "1", Python "  1"; "{epoch:+3}" wrote "  2",
// Python " +2"). The resumed run finds them, and names its new files as
// Python does.
func TestResumeFindsCheckpointsNamedBeforeFormatSpecs(t *testing.T) {
	c := resumeCase{epochs: 5, split: 3, callbacks: func(dir string) []engine.Callback {
		return []engine.Callback{&scripted{"val_accuracy", []float64{1, 3, 2, 2, 2}},
			&engine.ModelCheckpoint{Path: filepath.Join(dir, "best{epoch:-3}.safetensors"), Monitor: "val_accuracy", Mode: "max", SaveBestOnly: true},
			&engine.ModelCheckpoint{Path: filepath.Join(dir, "w{epoch:+3}-{val_accuracy}.safetensors"), KeepLast: 2}}
	}}
	dir := t.TempDir()
	fitInto(t, c, dir, c.split, false)
	for now, then := range map[string]string{
		"best  1.safetensors": "best1.safetensors", "best  2.safetensors": "best2.safetensors",
		"w +2-3.0.safetensors": "w  2-3.0.safetensors", "w +3-2.0.safetensors": "w  3-2.0.safetensors",
	} {
		if err := os.Rename(filepath.Join(dir, now), filepath.Join(dir, then)); err != nil {
			t.Fatal(err)
		}
	}
	r := fitInto(t, c, dir, c.epochs, true)
	want := []string{"best1.safetensors", "best2.safetensors", "w +4-2.0.safetensors", "w +5-2.0.safetensors"}
	if got := keys(weightFiles(t, dir)); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if best := filepath.Base(r.callbacks[1].(*engine.ModelCheckpoint).Best); best != "best2.safetensors" {
		t.Errorf("best checkpoint %q, want best2.safetensors", best)
	}
}
