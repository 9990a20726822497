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
	// The names the run's files had then: Go's shortest %g, "3" for 3.0,
	// and its state as it was then, without the record of its naming.
	for now, then := range map[string]string{
		"best01-1.0.safetensors": "best01-1.safetensors", "best02-3.0.safetensors": "best02-3.safetensors",
		"w02-3.0.safetensors": "w02-3.safetensors", "w03-2.0.safetensors": "w03-2.safetensors",
	} {
		if err := os.Rename(filepath.Join(dir, now), filepath.Join(dir, then)); err != nil {
			t.Fatal(err)
		}
	}
	stripNaming(t, filepath.Join(dir, stateName))
	r := fitInto(t, c, dir, c.epochs, true)
	// It goes on naming its files as it did.
	want := []string{"best01-1.safetensors", "best02-3.safetensors", "w04-2.safetensors", "w05-2.safetensors"}
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
// it named its earlier ones: its names changed at the resume ("w  3-2.0"
// then "w +4-2.0"), so that one run held files of both namings.
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
	stripNaming(t, filepath.Join(dir, stateName))
	r := fitInto(t, c, dir, c.epochs, true)
	want := []string{"best1.safetensors", "best2.safetensors", "w  4-2.0.safetensors", "w  5-2.0.safetensors"}
	if got := keys(weightFiles(t, dir)); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if best := filepath.Base(r.callbacks[1].(*engine.ModelCheckpoint).Best); best != "best2.safetensors" {
		t.Errorf("best checkpoint %q, want best2.safetensors", best)
	}
}

// A run's naming is in its state: a run that named its files as Python
// does (its state recording so, or, a state of a version that recorded no
// naming, its files named so) goes on so; a state that records none and
// whose files are gone (or name alike either way) names as Python does.
// Its state records the naming it goes on with.
func TestResumedRunKeepsItsNaming(t *testing.T) {
	c := resumeCase{epochs: 4, split: 2, callbacks: func(dir string) []engine.Callback {
		return []engine.Callback{&scripted{"val_accuracy", []float64{1, 3, 2, 2}},
			&engine.ModelCheckpoint{Path: filepath.Join(dir, "w{epoch:-3}.safetensors")}}
	}}
	for _, k := range []struct {
		name    string
		strip   bool              // the state as a version before the naming was recorded wrote it
		rename  map[string]string // the files as the run named them
		want    []string
		earlier bool // the naming the state records after: as before
	}{
		{name: "recorded", want: []string{"w  1.safetensors", "w  2.safetensors", "w  3.safetensors", "w  4.safetensors"}},
		{name: "not recorded, files named as Python", strip: true, want: []string{"w  1.safetensors", "w  2.safetensors", "w  3.safetensors", "w  4.safetensors"}},
		{name: "not recorded, files named before", strip: true, rename: map[string]string{"w  1.safetensors": "w1.safetensors", "w  2.safetensors": "w2.safetensors"},
			want: []string{"w1.safetensors", "w2.safetensors", "w3.safetensors", "w4.safetensors"}, earlier: true},
		{name: "not recorded, the latest file named before", strip: true, rename: map[string]string{"w  2.safetensors": "w2.safetensors"},
			want: []string{"w  1.safetensors", "w2.safetensors", "w3.safetensors", "w4.safetensors"}, earlier: true},
		{name: "not recorded, files gone", strip: true, rename: map[string]string{"w  1.safetensors": "", "w  2.safetensors": ""},
			want: []string{"w  3.safetensors", "w  4.safetensors"}},
	} {
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			fitInto(t, c, dir, c.split, false)
			for now, then := range k.rename {
				var err error
				if then == "" {
					err = os.Remove(filepath.Join(dir, now))
				} else {
					err = os.Rename(filepath.Join(dir, now), filepath.Join(dir, then))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if k.strip {
				stripNaming(t, filepath.Join(dir, stateName))
			}
			fitInto(t, c, dir, c.epochs, true)
			if got := keys(weightFiles(t, dir)); !reflect.DeepEqual(got, k.want) {
				t.Errorf("files %q, want %q", got, k.want)
			}
			ck, err := engine.LoadTrainCheckpoint(filepath.Join(dir, stateName))
			if err != nil {
				t.Fatal(err)
			}
			want := 0.0
			if k.earlier {
				want = 1
			}
			if got, ok := ck.Callbacks["model_checkpoint"]["naming"]; !ok || got != want {
				t.Errorf("the state records naming %v (%v), want %v", got, ok, want)
			}
		})
	}
}

// stripNaming rewrites the training checkpoint at path as a version that
// recorded no checkpoint naming wrote it.
func stripNaming(t *testing.T, path string) {
	t.Helper()
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ck.Callbacks {
		delete(s, "naming")
	}
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
}
