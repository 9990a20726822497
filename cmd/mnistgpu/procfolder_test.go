package main

import (
	"os"
	"strings"
	"testing"
)

// TestUnwritableFolderAsStudyDoes: train --out a folder that mkdir refuses
// with "no such file or directory" though its parent is there (/proc/self/x)
// is refused as study run refuses it, exit 2 naming --out, before the data:
// it was exit 1, mkdir's error naming no flag.
func TestUnwritableFolderAsStudyDoes(t *testing.T) {
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("no /proc/self here")
	}
	const out = "/proc/self/x"
	err := cliRun("train", "--model", "mlp", "--data-dir", t.TempDir()+"/nowhere", "--out", out)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--out "+out+": the run's folder cannot be made or written there") {
		t.Errorf("train --out %s: %v, want exit 2 naming --out before the data", out, err)
	}
}
