//go:build cuda

package main

import (
	"strings"
	"testing"
)

// A run that diverges says the epoch and step of its first non-finite loss
// on cuda as on cpu, although cuda reads the loss every 50 steps: the step
// comes from the loss kernel's record, and the message says at which step
// the loss was read and the weights looked at.
func TestDivergenceOnCUDASaysTheCPUsStep(t *testing.T) {
	msg := func(device string) string {
		err := cliRun("train", "--device", device, "--model", "mlp", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "1",
			"--train-limit", "640", "--batch-size", "8", "--data-dir", small, "--no-verify", "--quiet", "--out", t.TempDir())
		if err == nil {
			t.Fatalf("train --device %s at a rate of 1e30 succeeded", device)
		}
		return strings.TrimPrefix(err.Error(), "mnistgpu: ")
	}
	cpuMsg, cudaMsg := msg("cpu"), msg("cuda")
	where, _, _ := strings.Cut(cpuMsg, ": ")
	if !strings.HasPrefix(where, "epoch 1, step ") || where == "epoch 1, step 50" {
		t.Fatalf("cpu: %q: the run does not diverge between the device's loss reads", cpuMsg)
	}
	if !strings.HasPrefix(cudaMsg, where+": training loss is ") || !strings.Contains(cudaMsg, "; at step 50, where the loss was read, ") {
		t.Errorf("cuda: %q; cpu: %q", cudaMsg, cpuMsg)
	}
}
