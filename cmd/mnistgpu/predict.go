package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

func predictCommand() *cli.Command {
	return &cli.Command{
		Name:      "predict",
		Usage:     "classify images: an IDX image file, or PNG/JPEG files (a file that cannot be read, or a blank image, is reported, exit 1, and the rest classified)",
		ArgsUsage: "FILE...",
		Flags:     append(trainedFlags(), &cli.IntFlag{Name: "limit", Value: 10, Usage: "images to show from an IDX file"}),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("predict needs at least one image file")
			}
			if n := c.Int("limit"); n < 1 {
				return usageError("--limit must be at least 1, got %d", n) // it showed one image
			}
			for i, f := range c.Args().Slice() {
				if f == "" { // "$IMAGE" unset: it was reported as "stat : no such file"
					return usageError("predict: image file %d of %d given is \"\" (an unset variable?): name an image file", i+1, c.NArg())
				}
			}
			wf, err := readTrained(c)
			if err != nil {
				return err
			}
			m, err := buildTrained(c, wf)
			if err != nil {
				return err
			}
			inputs := readInputs(c.Args().Slice(), c.Int("limit"))
			if err := limitApplies(c, inputs); err != nil {
				return err
			}
			if err := loadTrained(c, wf, m, 256); err != nil {
				return err
			}
			defer closeModel(m)
			var bad, blank []string
			for _, in := range inputs {
				f, d, names := in.file, in.images, in.names
				if in.err != nil {
					fmt.Fprintf(os.Stderr, "mnistgpu: %v\n", in.err)
					bad = append(bad, f)
					continue
				}
				probs, k, side := engine.PredictAll(m, d, 256), m.OutputShape().Size(), d.Shape.Size()
				for i, n := range names {
					// A blank image has no digit, whatever the model
					// answers: no probabilities are printed for it.
					if mnist.Blank(d.Images[i*side : (i+1)*side]) {
						fmt.Fprintf(os.Stderr, "mnistgpu: %s: the image is blank (one colour, or no ink: no stroke a tenth darker than its paper, or lighter on dark paper): no digit to classify\n", n)
						blank = append(blank, n)
						continue
					}
					fmt.Printf("%s: %s\n", n, top3(probs[i*k:(i+1)*k]))
				}
			}
			var failed []string
			if len(bad) > 0 {
				failed = append(failed, fmt.Sprintf("%d of %s could not be read: %s", len(bad), run.Plural(c.NArg(), "file"), strings.Join(bad, ", ")))
			}
			if len(blank) > 0 {
				failed = append(failed, "blank, so not classified: "+strings.Join(blank, ", "))
			}
			if len(failed) > 0 {
				return cli.Exit("mnistgpu: "+strings.Join(failed, "; "), 1)
			}
			return nil
		},
	}
}

func top3(p []float32) string {
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	parts := make([]string, 3)
	for i := range parts {
		parts[i] = fmt.Sprintf("%d (%.3f)", idx[i], p[idx[i]])
	}
	return strings.Join(parts, "  ")
}

// maxImageFile and maxImagePixels bound what predict decodes.
const (
	maxImageFile   = 256 << 20
	maxImagePixels = 4096 * 4096
)

// readImages reads an IDX image file (first limit images) or one PNG/JPEG.
func readImages(file string, limit int) (engine.Dataset, []string, error) {
	raw, err := engine.ReadFile(file, "input image file", maxImageFile)
	if err != nil {
		return engine.Dataset{}, nil, err
	}
	return decodeImages(file, raw, limit)
}

// decodeImages parses IDX images or one PNG/JPEG held in raw. Data that
// starts as an IDX image file is one: its error is the IDX parser's, not the
// image decoders' "unknown format".
func decodeImages(file string, raw []byte, limit int) (engine.Dataset, []string, error) {
	pix, count, rows, cols, err := mnist.ReadImages(file, bytes.NewReader(raw))
	if err != nil && !errors.Is(err, mnist.ErrNotIDX) {
		return engine.Dataset{}, nil, err
	}
	if err == nil {
		if rows != mnist.Side || cols != mnist.Side {
			return engine.Dataset{}, nil, fmt.Errorf("%s: images are %d×%d, the models take %d×%d", file, rows, cols, mnist.Side, mnist.Side)
		}
		n := min(count, limit)
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("%s[%d]", file, i)
		}
		return engine.Dataset{Images: pix[:n*mnist.Side*mnist.Side], Labels: make([]uint8, n), Shape: engine.Shape{mnist.Side, mnist.Side, 1}, Classes: mnist.Classes}, names, nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return engine.Dataset{}, nil, fmt.Errorf("%s: neither an IDX image file nor a PNG/JPEG image: %v", file, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width*cfg.Height > maxImagePixels {
		return engine.Dataset{}, nil, fmt.Errorf("%s: image is %d×%d; at most %d pixels are accepted", file, cfg.Width, cfg.Height, maxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return engine.Dataset{}, nil, fmt.Errorf("%s: neither an IDX image file nor a PNG/JPEG image: %v", file, err)
	}
	img = mnist.Upright(img, raw) // a phone's photo as it was taken
	return engine.Dataset{Images: mnist.FromImage(img), Labels: []uint8{0}, Shape: engine.Shape{mnist.Side, mnist.Side, 1}, Classes: mnist.Classes}, []string{file}, nil
}
