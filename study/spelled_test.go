package study

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestSpelledOutDefaultIsTheSameStudy: a study file that spells out a
// value its folder's cells already trained with by default (Adam's "lr":
// "0.001", "monitor": "val_loss"), or leaves out one the folder's study
// spelled out so, is the same study: `study run` continues it, saying so in
// one line, and the folder's study.json keeps the text it was first
// written with. Before, it was refused as "holds another study (lr: not
// given vs 0.001)". A real difference (Adam's lr 0.01) is still refused,
// naming the setting and the default it differs from; a file that also
// extends the study is recorded anew.
func TestSpelledOutDefaultIsTheSameStudy(t *testing.T) {
	data := smallData(t)
	o := Options{Shard: Shard{1, 1}, Data: data, Jobs: 1}
	study := func(extra map[string]string) File {
		fixed := map[string]string{"model": "mlp", "optimizer": "adam", "epochs": "1", "train-limit": "200"}
		for k, v := range extra {
			fixed[k] = v
		}
		return File{Name: "spelled", Path: "spelled.json", Seeds: []uint64{1}, Fixed: fixed}
	}
	spelled := map[string]string{"lr": "0.001", "monitor": "val_loss"}
	for _, c := range []struct {
		name        string
		first, then map[string]string
	}{
		{"spelled out", nil, spelled},
		{"left out", spelled, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Run(study(c.first), dir, run.Default(), o); err != nil {
				t.Fatal(err)
			}
			record, err := os.ReadFile(filepath.Join(dir, "study.json"))
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			o := o
			o.Log = &log
			if err := Run(study(c.then), dir, run.Default(), o); err != nil {
				t.Fatalf("the same study, defaults written otherwise: %v", err)
			}
			out := log.String()
			if !strings.Contains(out, "nothing to do") || !strings.Contains(out, `the same study "spelled"`) ||
				!strings.Contains(out, `"lr"`) || !strings.Contains(out, `"monitor"`) || !strings.Contains(out, "keeps the text it was first written with") {
				t.Errorf("output:\n%s", out)
			}
			if now, _ := os.ReadFile(filepath.Join(dir, "study.json")); !bytes.Equal(now, record) {
				t.Errorf("study.json rewritten:\n%s\nwas:\n%s", now, record)
			}
		})
	}

	dir := t.TempDir()
	if err := Run(study(nil), dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	_, _, err := Prepare(study(map[string]string{"lr": "0.01"}), dir, run.Default())
	var se *SettingError
	if want := "holds another study (lr: not given (0.001) vs 0.01 (there vs asked for))"; !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
		t.Errorf("Adam's lr 0.01 where the cells took 0.001: %v, want %q", err, want)
	}
	// Longer, and spelling lr out: continued, and recorded as this file.
	longer := study(map[string]string{"lr": "0.001", "epochs": "2"})
	var log bytes.Buffer
	o.Log = &log
	if err := Run(longer, dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	if out := log.String(); !strings.Contains(out, `spells out "lr": "0.001"`) || strings.Contains(out, "keeps the text") {
		t.Errorf("output:\n%s", out)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "study.json")); !bytes.Contains(now, []byte(`"lr": "0.001"`)) || !bytes.Contains(now, []byte(`"epochs": "2"`)) {
		t.Errorf("study.json after a longer study:\n%s", now)
	}
}
