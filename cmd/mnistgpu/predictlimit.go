package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
)

// predictInput is one file given to predict, read before the model is
// loaded: its images and their names, or why it cannot be read.
type predictInput struct {
	file   string
	images engine.Dataset
	names  []string
	err    error
}

// readInputs reads every file given to predict, keeping limit images of
// an IDX file.
func readInputs(files []string, limit int) []predictInput {
	out := make([]predictInput, len(files))
	for i, f := range files {
		d, names, err := readImages(f, limit)
		out[i] = predictInput{file: f, images: d, names: names, err: err}
	}
	return out
}

// limitApplies refuses a --limit typed beside PNG/JPEG files alone: it
// counts the images shown of an IDX file, and a picture is one image,
// classified whole, so the flag was dropped in silence. A file that
// cannot be read might have been an IDX file, and is not counted against
// it (predict reports it).
func limitApplies(c *cli.Context, inputs []predictInput) error {
	if !onCommandLine(c, "limit") {
		return nil
	}
	var pictures []string
	for _, in := range inputs {
		// An IDX file's images are named FILE[i]; a picture by its file.
		if in.err != nil || len(in.names) != 1 || in.names[0] != in.file {
			return nil
		}
		pictures = append(pictures, in.file)
	}
	what := "is a PNG/JPEG image, classified whole"
	if len(pictures) > 1 {
		what = "are PNG/JPEG images, each classified whole"
	}
	return usageError("--limit %d: counts the images shown of an IDX image file, and %s %s: leave --limit out", c.Int("limit"), strings.Join(pictures, ", "), what)
}
