package study

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"mnistgpu/engine"
)

func TestCellsShardsAndArgs(t *testing.T) {
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
	args := f.Args(cells[2], 100) // lr varies fastest: cell 2 is lr=0.001
	want := []string{"--batch-size=64", "--validation-split=0.2", "--epochs=100", "--model=cnn", "--optimizer=sgd", "--activation=relu", "--lr=0.001", "--seed=1"}
	if len(args) != len(want) {
		t.Fatalf("args %v", args)
	}
	for i := range want {
		if args[i] != want[i] {
			t.Errorf("arg %d = %q, want %q", i, args[i], want[i])
		}
	}
	for _, bad := range []string{"1/0", "3/2", "0/2", "x", "1-2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("shard %q accepted", bad)
		}
	}
	for _, src := range []string{`{"axes":[{"name":"out","values":["x"]}],"seeds":[1]}`, `{"axes":[],"seeds":[]}`, `{"axes":[{"name":"lr","values":[]}],"seeds":[1]}`, `{"bogus":1}`} {
		if _, err := Parse("s.json", []byte(src)); err == nil {
			t.Errorf("%s accepted", src)
		}
	}
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
