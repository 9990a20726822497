package kernels

import (
	"embed"
	"io/fs"
	"strconv"
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

// Target returns the architecture a PTX text is written for, from its
// .target directive: 80 for `.target sm_80`, 0 if it names none. A module
// runs on a device of that compute capability (major·10 + minor) or newer;
// most are compute_70, the tensor-core ones (kernels/tf32.cu) compute_80.
func Target(ptx string) int {
	for _, line := range strings.Split(ptx, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), ".target sm_")
		if !ok {
			continue
		}
		digits, _, _ := strings.Cut(rest, ",")
		n, err := strconv.Atoi(strings.TrimRight(strings.TrimSpace(digits), "abf"))
		if err != nil {
			return 0
		}
		return n
	}
	return 0
}
