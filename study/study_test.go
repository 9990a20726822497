package study

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

func TestCellsShardsAndConfigs(t *testing.T) {
	f := Default()
	cells := f.Cells()
	if len(cells) != 2*2*2*4 {
		t.Fatalf("%d cells, want 32", len(cells))
	}
	if k := cells[0].Key(f.Axes); k != "model=cnn,optimizer=sgd,activation=relu,lr=0.1,seed=1" {
		t.Errorf("first cell %q", k)
	}
	seen := map[int]int{}
	for k := 1; k <= 3; k++ {
		s := Shard{k, 3}
		for _, c := range cells {
			if s.Has(c.Index) {
				seen[c.Index]++
			}
		}
	}
	for _, c := range cells {
		if seen[c.Index] != 1 {
			t.Fatalf("cell %d is in %d shards", c.Index, seen[c.Index])
		}
	}
	_, cfgs, err := f.WithEpochs(100).Configs(run.Default(), "out")
	if err != nil {
		t.Fatal(err)
	}
	c := cfgs[2] // lr varies fastest: cell 2 is lr=0.001
	if c.Optimizer.LR == nil || *c.Optimizer.LR != 0.001 || c.Epochs != 100 || c.Model.Name != "cnn" || c.Optimizer.Name != "sgd" ||
		c.Model.Activation != "relu" || c.Seed != 1 || c.BatchSize != 64 || c.Data.ValidationSplit != 0.2 ||
		c.Output.Dir != filepath.Join("out", "cells", cells[2].Key(f.Axes)) {
		t.Errorf("cell 2: %+v", c)
	}
	for _, bad := range []string{"1/0", "3/2", "0/2", "x", "1-2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("shard %q accepted", bad)
		}
	}
	for _, src := range []string{`{"axes":[],"seeds":[]}`, `{"axes":[{"name":"lr","values":[]}],"seeds":[1]}`, `{"bogus":1}`} {
		if _, err := Parse("s.json", []byte(src)); err == nil {
			t.Errorf("%s accepted", src)
		}
	}
}

// TestStudyNamesItsMistakes: a study that cannot run is refused as a whole,
// naming the setting (and the closest valid name) or the cell. A threads
// axis was accepted, and each cell trained with its slot's threads.
func TestStudyNamesItsMistakes(t *testing.T) {
	refusedStudies(t, map[string]string{
		`{"axes":[{"name":"learning_rate","values":["0.1"]}],"seeds":[1]}`:    `s.json: axis "learning_rate" is not a training setting (did you mean "lr"?)`,
		`{"axes":[{"name":"optimiser","values":["sgd"]}],"seeds":[1]}`:        `did you mean "optimizer"?`,
		`{"axes":[{"name":"out","values":["x"]}],"seeds":[1]}`:                `axis "out": the study sets it`,
		`{"axes":[{"name":"data-dir","values":["a","b"]}],"seeds":[1]}`:       `axis "data-dir": a study's cells share one data set`,
		`{"axes":[{"name":"seed","values":["2"]}],"seeds":[1]}`:               `"seeds" list`,
		`{"axes":[{"name":"threads","values":["1","2"]}],"seeds":[1]}`:        `axis "threads": a study shares its threads`, // a cell "threads=2" trained with its slot's 1
		`{"axes":[],"seeds":[1],"fixed":{"epoch":"2"}}`:                       `fixed setting "epoch" is not a training setting (did you mean "epochs"?)`,
		`{"axes":[{"name":"lr","values":["0.1","fast"]}],"seeds":[1]}`:        `axis "lr": --lr takes a number, got "fast"`,
		`{"axes":[{"name":"optimizer","values":["sgd","lion"]}],"seeds":[1]}`: `s.json: cell optimizer=lion,seed=1: axis "optimizer" value "lion": --optimizer`,
	})
}

// refusedStudies checks that each study file (its source) is parsed but
// its configurations refused with a SettingError holding the text wanted.
func refusedStudies(t *testing.T, cases map[string]string) {
	t.Helper()
	for src, want := range cases {
		f, err := Parse("s.json", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		_, _, err = f.Configs(run.Default(), "out")
		var se *SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want a SettingError with %q", src, err, want)
		}
	}
}

// TestDivergedPlotSaysSo: a run with no finite value gets a note on
// sensible axes, not empty axes from -1 to 1.
func TestDivergedPlotSaysSo(t *testing.T) {
	nan := math.NaN()
	p, err := linePlot("diverged", "loss", []Series{{"train", []float64{nan}}, {"validation", []float64{nan}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Min != 0 || p.Y.Max != 1 || p.X.Min != 0.5 || p.X.Max != 1.5 {
		t.Errorf("axes x %g..%g y %g..%g", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	h := &engine.History{}
	h.Append(0, engine.Logs{"loss": nan, "accuracy": 0.1, "val_loss": nan, "val_accuracy": 0.1}, 1)
	path := filepath.Join(t.TempDir(), "d.png")
	if err := HistoryPlot(path, "diverged", h); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
}

// TestPlotsDecode checks a history plot as a picture: its size, and that it
// is not blank.
func TestPlotsDecode(t *testing.T) {
	h := &engine.History{}
	for e := 0; e < 5; e++ {
		h.Append(e, engine.Logs{"loss": 1 / float64(e+1), "accuracy": 0.5 + 0.1*float64(e), "val_loss": 1.2 / float64(e+1), "val_accuracy": 0.45 + 0.1*float64(e)}, 1)
	}
	p := filepath.Join(t.TempDir(), "h.png")
	if err := HistoryPlot(p, "test", h); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 600 || b.Dy() < 250 {
		t.Errorf("%s is %d×%d", path, b.Dx(), b.Dy())
	}
	colors := map[[4]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			colors[[4]uint32{r, g, bl, a}] = true
		}
	}
	if len(colors) < 5 {
		t.Errorf("%s has %d colours: blank", path, len(colors))
	}
}
