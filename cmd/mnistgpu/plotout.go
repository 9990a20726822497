package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/study"
)

// pictureFormat is the format plot writes to out: its extension, lower
// case, or .png for a name without one; "" for another extension.
func pictureFormat(out string) string {
	ext := strings.ToLower(filepath.Ext(out))
	if ext == "" {
		return ".png"
	}
	if slices.Contains(study.PictureFormats, ext) {
		return ext
	}
	return ""
}

// plotOutProblem says why plot may not write its picture to out ("" when
// it may): out is a device, a pipe, a folder or a link to nothing, in no
// folder, named for a picture format plot does not write, or an existing
// file with something other than a picture of its name's format in it. A re-plot
// replaces its picture; a careless --out (the history.json it reads, a
// run's state.safetensors) was replaced by the PNG, and the run's record
// with it.
func plotOutProblem(out string) string {
	if kind := engine.NotAFile(out); kind != "" {
		return "is " + kind
	}
	if target := engine.DanglingLink(out); target != "" {
		return "is a link to " + target + ", which does not exist (the picture would replace the link, not go there)"
	}
	// A folder that is not there failed the write after the plot was
	// drawn, exit 1, naming the temporary file; another picture format's
	// name (curves.jpg) got a PNG under it.
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); os.IsNotExist(err) {
		return "is in " + dir + ", which does not exist"
	} else if err != nil {
		return "cannot be written: " + err.Error()
	} else if !st.IsDir() {
		return "is in " + dir + ", which is not a folder"
	}
	format := pictureFormat(out)
	held := format // what an existing file must be to be replaced
	if held == "" {
		held = ".png"
	}
	if f, err := os.Open(out); err == nil { // not there yet (or unreadable: writing it says why)
		defer f.Close()
		head := make([]byte, 8)
		n, _ := io.ReadFull(f, head)
		if n > 0 && !engine.OpensAs(head[:n], held) {
			return "exists and is not " + pictureFormatName[held] + ", so it is not replaced"
		}
	}
	if format == "" {
		return "names a " + filepath.Ext(out) + " file, and plot writes " + pictureFormatsText
	}
	return ""
}

// pictureFormatName names a format as a message does.
var pictureFormatName = map[string]string{".png": "a PNG", ".svg": "an SVG", ".pdf": "a PDF"}

// pictureFormatsText is what plot writes, as its messages say it.
const pictureFormatsText = "a PNG, an SVG or a PDF (.png, .svg, .pdf)"
