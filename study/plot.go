package study

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"mnistgpu/engine"
)

// Series is one line: a name and a value per epoch (NaN: no value).
type Series struct {
	Name   string
	Values []float64
}

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255},
}

// linePlot draws series against epochs (1-based).
func linePlot(title, ylabel string, series []Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	// Loss curves fall and accuracy curves rise: keep the legend in the
	// corner they leave empty.
	p.Legend.Top = strings.Contains(ylabel, "loss")
	p.X.Tick.Marker = epochTicks{}
	p.Add(plotter.NewGrid())
	drawn, epochs := 0, 0
	for i, s := range series {
		epochs = max(epochs, len(s.Values))
		var pts plotter.XYs
		for e, v := range s.Values {
			if plottable(v) {
				pts = append(pts, plotter.XY{X: float64(e + 1), Y: v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		col := palette[i%len(palette)]
		l.Color, sc.Color = col, col
		l.Width = vg.Points(1.5)
		if i >= len(palette) {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l, sc)
		p.Legend.Add(s.Name, l, sc)
		drawn++
	}
	if drawn > 0 && p.Y.Min == p.Y.Max && p.Y.Min-1 == p.Y.Min {
		// One value beyond 2⁵³: gonum widens a flat range by ±1, which
		// does not change such a value, and panics ("illegal range").
		pad := math.Abs(p.Y.Min) / 2
		p.Y.Min, p.Y.Max = p.Y.Min-pad, p.Y.Max+pad
	}
	if drawn == 0 {
		// A run that diverged before any finite value, or runs with no
		// epoch ended (a step budget within the first: their histories
		// hold whole epochs): say so on sensible axes instead of drawing
		// empty ones from -1 to 1.
		p.X.Min, p.X.Max = 0.5, float64(max(epochs, 1))+0.5
		p.Y.Min, p.Y.Max = 0, 1
		note, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    []plotter.XY{{X: (p.X.Min + p.X.Max) / 2, Y: 0.5}},
			Labels: []string{nothingDrawn(epochs)},
		})
		if err != nil {
			return nil, err
		}
		note.TextStyle[0].XAlign, note.TextStyle[0].YAlign = draw.XCenter, draw.YCenter
		p.Add(note)
	}
	return p, nil
}

// nothingDrawn is the note of a plot whose series, of epochs values at
// most, hold no value to draw. No epoch at all is no sign of divergence:
// it said "the run diverged" of cells a step budget ended within their
// first epoch.
func nothingDrawn(epochs int) string {
	if epochs == 0 {
		return "no epoch ended: nothing to draw"
	}
	return "no finite values: the run diverged"
}

// plottable reports whether a curve's value v is drawn: a finite value in
// float32's range, the range of what the engine computes. A larger one
// (only an edited history holds it) made gonum's ticks loop for ever over
// a range of ±1e308.
func plottable(v float64) bool { return math.Abs(v) <= math.MaxFloat32 }

// epochTicks labels whole epochs only, at most about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/10))
	var ts []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// SavePanels writes plots side by side as one picture of w×h inches, in
// the format path's extension names (newPicture: PNG, SVG or PDF).
func SavePanels(path string, w, h float64, plots ...*plot.Plot) error {
	img := newPicture(path, vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	grid := [][]*plot.Plot{plots}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	return writePicture(path, img)
}

// HistoryPlot draws a run's loss and accuracy (train and validation) as two
// panels in one picture (PNG, SVG or PDF by path's extension), like the
// report's figures.
func HistoryPlot(path, title string, h *engine.History) error {
	get := func(k string) []float64 {
		v := make([]float64, len(h.Logs))
		for i, l := range h.Logs {
			x, ok := l[k]
			if !ok {
				x = math.NaN()
			}
			v[i] = x
		}
		return v
	}
	loss, err := linePlot(title+": loss", "loss", []Series{{"train", get("loss")}, {"validation", get("val_loss")}})
	if err != nil {
		return err
	}
	acc, err := linePlot(title+": accuracy", "accuracy", []Series{{"train", get("accuracy")}, {"validation", get("val_accuracy")}})
	if err != nil {
		return err
	}
	return SavePanels(path, 10, 4, loss, acc)
}

// overlayPlot draws, for one axis, the mean validation curves of each of its
// values, averaged over every other setting and seed.
func overlayPlot(path string, f File, groups []GroupSummary, axis string) error {
	var accS, lossS []Series
	for _, v := range axisValues(f, axis) {
		var acc, loss [][]float64
		for _, g := range groups {
			if g.Params[axis] == v {
				acc, loss = append(acc, g.MeanValAcc), append(loss, g.MeanValLoss)
			}
		}
		name := fmt.Sprintf("%s=%s", axis, v)
		accS = append(accS, Series{name, meanCurve(acc)})
		lossS = append(lossS, Series{name, meanCurve(loss)})
	}
	lp, err := linePlot("validation loss by "+axis, "val_loss (mean)", lossS)
	if err != nil {
		return err
	}
	ap, err := linePlot("validation accuracy by "+axis, "val_accuracy (mean)", accS)
	if err != nil {
		return err
	}
	return SavePanels(path, 10, 4, lp, ap)
}
