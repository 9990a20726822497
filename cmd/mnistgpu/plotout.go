package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mnistgpu/engine"
)

// pngSignature opens every PNG file.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// plotOutProblem says why plot may not write its picture to out ("" when
// it may): out is a device, a pipe or a folder, in no folder, named for
// another picture format, or an existing file with
// something other than a picture in it. A re-plot replaces its PNG; a
// careless --out (the history.json it reads, a run's state.safetensors)
// was replaced by the PNG, and the run's record with it.
func plotOutProblem(out string) string {
	if kind := engine.NotAFile(out); kind != "" {
		return "is " + kind
	}
	// A folder that is not there failed the write after the plot was
	// drawn, exit 1, naming the temporary file; another picture format's
	// name (curves.jpg, curves.svg) got a PNG under it.
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); os.IsNotExist(err) {
		return "is in " + dir + ", which does not exist"
	} else if err != nil {
		return "cannot be written: " + err.Error()
	} else if !st.IsDir() {
		return "is in " + dir + ", which is not a folder"
	}
	if f, err := os.Open(out); err == nil { // not there yet (or unreadable: writing it says why)
		defer f.Close()
		head := make([]byte, len(pngSignature))
		if n, _ := io.ReadFull(f, head); n > 0 && !bytes.Equal(head, pngSignature) {
			return "exists and is not a PNG, so it is not replaced"
		}
	}
	if ext := filepath.Ext(out); ext != "" && !strings.EqualFold(ext, ".png") {
		return "names a " + ext + " file, and plot writes a PNG"
	}
	return ""
}
