package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mnistgpu/engine"
)

// library describes one of the run-time-loaded libraries: the variable that
// overrides the search, the sonames by preference (newest first), and the
// libraries that must be opened globally before it from the same folder.
type library struct {
	what       string
	env        string
	sonames    []string
	companions map[string][]string // soname → sibling files
}

var cublasLib = library{
	what:    "cuBLAS",
	env:     "MNISTGPU_CUBLAS",
	sonames: []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"},
	companions: map[string][]string{
		"libcublas.so.13": {"libcublasLt.so.13"},
		"libcublas.so.12": {"libcublasLt.so.12"},
		"libcublas.so.11": {"libcublasLt.so.11"},
	},
}

var cudnnLib = library{
	what:    "cuDNN",
	env:     "MNISTGPU_CUDNN",
	sonames: []string{"libcudnn.so.9", "libcudnn.so.8"},
	companions: map[string][]string{
		"libcudnn.so.9": {"libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
			"libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9",
			"libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9"},
		"libcudnn.so.8": {"libcudnn_ops_infer.so.8", "libcudnn_ops_train.so.8",
			"libcudnn_cnn_infer.so.8", "libcudnn_cnn_train.so.8"},
	},
}

// searchDirs lists where CUDA libraries live, in order: LD_LIBRARY_PATH, the
// CUDA installs (newest first), the system folders, and the nvidia/*/lib
// folders of Python CUDA wheels (PyTorch's cuDNN lives there).
func searchDirs(getenv func(string) string, glob func(string) ([]string, error)) []string {
	var dirs []string
	add := func(ds ...string) {
		for _, d := range ds {
			if d != "" && !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
	}
	add(filepath.SplitList(getenv("LD_LIBRARY_PATH"))...)
	if h := getenv("CUDA_HOME"); h != "" {
		add(filepath.Join(h, "lib64"), filepath.Join(h, "lib"))
	}
	add("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib")
	versioned, _ := glob("/usr/local/cuda-*/lib64")
	slices.SortFunc(versioned, func(a, b string) int { return -compareVersionPaths(a, b) })
	add(versioned...)
	add("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib")
	var py []string
	for _, root := range []string{
		getenv("VIRTUAL_ENV"), getenv("CONDA_PREFIX"), "/usr", "/usr/local", "/opt/conda",
		filepath.Join(getenv("HOME"), ".local"),
	} {
		if root == "" {
			continue
		}
		for _, pat := range []string{"lib/python3*/site-packages/nvidia/*/lib", "lib/python3*/dist-packages/nvidia/*/lib"} {
			m, _ := glob(filepath.Join(root, pat))
			py = append(py, m...)
		}
	}
	if r := getenv("PYENV_ROOT"); r != "" {
		m, _ := glob(filepath.Join(r, "versions/*/lib/python3*/site-packages/nvidia/*/lib"))
		py = append(py, m...)
	}
	add(py...)
	return dirs
}

// compareVersionPaths orders /usr/local/cuda-12.4 before /usr/local/cuda-12.10
// numerically.
func compareVersionPaths(a, b string) int {
	va, vb := versionOf(a), versionOf(b)
	for i := 0; i < len(va) && i < len(vb); i++ {
		if va[i] != vb[i] {
			return va[i] - vb[i]
		}
	}
	return len(va) - len(vb)
}

func versionOf(path string) []int {
	_, v, _ := strings.Cut(path, "cuda-")
	v, _, _ = strings.Cut(v, "/")
	var out []int
	for _, f := range strings.Split(v, ".") {
		n := 0
		for _, c := range f {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		out = append(out, n)
	}
	return out
}

// candidate is one path to try, with the companions to preload first.
type candidate struct {
	path       string
	companions []string
}

// candidates lists what to dlopen for lib, in order: the override alone when
// it is set; else each soname (newest first) in each folder where it exists,
// then each bare soname for the dynamic loader's own search.
func (lib library) candidates(getenv func(string) string, dirs []string, exists func(string) bool) []candidate {
	if p := getenv(lib.env); p != "" {
		var comps []string
		for _, c := range lib.companions[filepath.Base(p)] {
			if f := filepath.Join(filepath.Dir(p), c); exists(f) {
				comps = append(comps, f)
			}
		}
		return []candidate{{path: p, companions: comps}}
	}
	var out []candidate
	for _, so := range lib.sonames {
		for _, d := range dirs {
			p := filepath.Join(d, so)
			if !exists(p) {
				continue
			}
			var comps []string
			for _, c := range lib.companions[so] {
				if f := filepath.Join(d, c); exists(f) {
					comps = append(comps, f)
				}
			}
			out = append(out, candidate{path: p, companions: comps})
		}
	}
	for _, so := range lib.sonames {
		out = append(out, candidate{path: so})
	}
	return out
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// noneLoaded is the error when no candidate of lib loads; tried holds the
// loader's message for each. With lib's variable set, its path was the only
// candidate: a setting the user gave, so the error is an
// engine.SettingError (exit 2, and --device auto does not fall back past it
// to the CPU, which would drop the setting without a word).
func (lib library) noneLoaded(getenv func(string) string, tried []string) error {
	if p := getenv(lib.env); p != "" {
		return &engine.SettingError{Msg: fmt.Sprintf("cuda: %s=%q does not load as %s (%s): give the path of %s, or unset %s to search the usual folders",
			lib.env, p, lib.what, strings.Join(tried, "; "), strings.Join(lib.sonames, " or "), lib.env)}
	}
	return fmt.Errorf("cuda: no usable %s (set %s to its path); tried:\n  %s", lib.what, lib.env, strings.Join(tried, "\n  "))
}
