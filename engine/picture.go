package engine

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// PictureSignatures open every file of each picture format plot writes
// (study.PictureFormats): a PNG's signature, an SVG's XML declaration as
// gonum/plot writes it, and a PDF's header.
var PictureSignatures = map[string][]string{
	".png": {"\x89PNG\r\n\x1a\n"},
	".svg": {"<?xml", "<svg"},
	".pdf": {"%PDF-"},
}

// OpensAs reports whether head, a file's first bytes, opens as the picture
// format ext (".png", ".svg", ".pdf") does.
func OpensAs(head []byte, ext string) bool {
	return slices.ContainsFunc(PictureSignatures[ext], func(sig string) bool { return bytes.HasPrefix(head, []byte(sig)) })
}

// IsPicture reports whether the file p is a picture of a format plot
// writes, named for it: a .png, .svg or .pdf (any case) opening as one.
func IsPicture(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	if _, ok := PictureSignatures[ext]; !ok {
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	return n > 0 && OpensAs(head[:n], ext)
}
