package main

import (
	"os"
	"strings"
	"testing"

	"mnistgpu/run"
)

// What --seed seeds (run/train.go, engine): the weights' initialization and
// dropout's masks (Model.Init), the training order (FitConfig.Seed), the
// augmentation (Augmentation.Seed) and the random and stratified validation
// splits (SplitValidation). The README's row said "weights, shuffling,
// dropout", leaving out the augmentation that --help named, and both left
// out the splits.
func TestSeedDocsNameWhatItSeeds(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, row, ok := strings.Cut(string(raw), "\n| `--seed` |")
	if !ok {
		t.Fatal("README has no --seed row in its flag table")
	}
	row, _, _ = strings.Cut(row, "\n")
	fd, _ := run.Lookup("seed")
	for where, text := range map[string]string{"README's --seed row": row, "train --help's --seed": fd.Usage} {
		for _, use := range []string{"weights", "dropout", "shuffling", "augmentation", "validation split"} {
			if !strings.Contains(text, use) {
				t.Errorf("%s (%q) does not name %s", where, text, use)
			}
		}
	}
}
