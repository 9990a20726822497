package kernels

import (
	"embed"
	"io/fs"
	"strings"
)

// The PTX is rebuilt by `make ptx` (pinned nvcc flags) and committed, so that
// building mnistgpu needs no nvcc; CI rebuilds it and fails on a difference.
//
//go:embed *.ptx
var ptxFiles embed.FS

// PTX returns each module's PTX text by source name ("optim" for optim.cu).
func PTX() map[string]string {
	out := map[string]string{}
	names, _ := fs.Glob(ptxFiles, "*.ptx")
	for _, name := range names {
		b, err := ptxFiles.ReadFile(name)
		if err != nil {
			panic(err) // embedded: cannot fail
		}
		out[strings.TrimSuffix(name, ".ptx")] = string(b)
	}
	return out
}

// Entries lists the kernel names a PTX text defines (its .entry directives).
func Entries(ptx string) []string {
	var names []string
	for _, line := range strings.Split(ptx, "\n") {
		_, rest, ok := strings.Cut(line, ".entry ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "(")
		names = append(names, strings.TrimSpace(name))
	}
	return names
}
