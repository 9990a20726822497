//go:build !cuda

package main

import (
	"strings"
	"testing"
)

func TestCudaOnCPUBuildSaysHowToRebuild(t *testing.T) {
	err := cliRun("train", "--device", "cuda", "--data-dir", small, "--no-verify", "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "-tags cuda") || !strings.Contains(err.Error(), "BUILDING.md") {
		t.Errorf("err = %v", err)
	}
}
