package main

import (
	"errors"
	"os"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
)

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
			// buildTrained takes that one, and MNISTGPU_MODEL only for a
			// file that stores none (modelGiven); loadTrained weighs it at
			// the batch it holds.
			if !onCommandLine(c, "model") {
				cfg.Model.Name = run.Default().Model.Name
			}
			// Checked with the loss it is evaluated with (run.EvalLoss), not
			// train's --loss default: a --model without a softmax output
			// (trained with binary cross-entropy) was refused as
			// "categorical_crossentropy needs a softmax output".
			if m, err := run.BuildModel(cfg.Model.Name, cfg.Model.Activation); err == nil {
				cfg.Model.Loss = run.EvalLoss(m, "").String()
			}
			if err := cfg.Validate(); err != nil && !errors.As(err, new(*run.LimitError)) {
				return cliError(err)
			}
			wf, err := readTrained(c)
			if err != nil {
				return err
			}
			m, err := buildTrained(c, wf)
			if err != nil {
				return err
			}
			// The model is checked against the file before the data is
			// read, and compiled after it: a batch beyond the test set
			// holds all of it (as train's does), and the model is compiled,
			// and weighed, for that batch, not for the one asked
			// (--batch-size 5000 on 500 images was refused as needing 3 GiB
			// of a GPU). The test set alone: the training files need not be
			// there.
			data, err := run.LoadTestData(cfg.Source, os.Stderr)
			if err != nil {
				return cliError(err)
			}
			if err := loadTrained(c, wf, m, engine.LargestBatch(cfg.BatchSize, data.Test.Len())); err != nil {
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
