package main

import (
	"bytes"
	"io"
	"os"

	"mnistgpu/engine"
)

// pngSignature opens every PNG file.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// plotOutProblem says why plot may not write its picture to out ("" when
// it may): out is a device, a pipe or a folder, or an existing file with
// something other than a picture in it. A re-plot replaces its PNG; a
// careless --out (the history.json it reads, a run's state.safetensors)
// was replaced by the PNG, and the run's record with it.
func plotOutProblem(out string) string {
	if kind := engine.NotAFile(out); kind != "" {
		return "is " + kind
	}
	f, err := os.Open(out)
	if err != nil {
		return "" // not there yet (or unreadable: writing it says why)
	}
	defer f.Close()
	head := make([]byte, len(pngSignature))
	n, _ := io.ReadFull(f, head)
	if n == 0 || bytes.Equal(head, pngSignature) {
		return ""
	}
	return "exists and is not a PNG, so it is not replaced"
}
