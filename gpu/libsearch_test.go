package gpu

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// The search is checked on a fake tree only: the file system outside root
// (a real cuDNN in /usr/lib/x86_64-linux-gnu, Python wheels in /usr/local)
// is invisible to it, so the result does not depend on the host.
func TestLibrarySearchOrder(t *testing.T) {
	root := t.TempDir()
	inRoot := func(p string) bool { return strings.HasPrefix(p, root+string(filepath.Separator)) }
	exists := func(p string) bool { return inRoot(p) && fileExists(p) }
	glob := func(pattern string) ([]string, error) {
		if !inRoot(pattern) {
			return nil, nil
		}
		return filepath.Glob(pattern)
	}
	wheel := filepath.Join(root, "venv/lib/python3.11/site-packages/nvidia/cudnn/lib")
	ld := filepath.Join(root, "ld")
	for _, f := range []string{
		filepath.Join(wheel, "libcudnn.so.9"), filepath.Join(wheel, "libcudnn_ops.so.9"),
		filepath.Join(ld, "libcudnn.so.8"), filepath.Join(ld, "libcublas.so.12"),
		filepath.Join(ld, "libcublasLt.so.12"),
	} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"LD_LIBRARY_PATH": ld, "VIRTUAL_ENV": filepath.Join(root, "venv")}
	getenv := func(k string) string { return env[k] }
	dirs := searchDirs(getenv, glob)
	if dirs[0] != ld {
		t.Errorf("LD_LIBRARY_PATH first: got %v", dirs)
	}

	dnn := cudnnLib.candidates(getenv, dirs, exists)
	// cuDNN 9 from the wheel beats cuDNN 8 earlier on the path: newest first.
	if dnn[0].path != filepath.Join(wheel, "libcudnn.so.9") || len(dnn[0].companions) != 1 {
		t.Errorf("first cuDNN candidate %+v", dnn[0])
	}
	if dnn[1].path != filepath.Join(ld, "libcudnn.so.8") {
		t.Errorf("second cuDNN candidate %+v", dnn[1])
	}
	if last := dnn[len(dnn)-1]; last.path != "libcudnn.so.8" {
		t.Errorf("bare sonames come last, got %+v", last)
	}
	blas := cublasLib.candidates(getenv, dirs, exists)
	if blas[0].path != filepath.Join(ld, "libcublas.so.12") || blas[0].companions[0] != filepath.Join(ld, "libcublasLt.so.12") {
		t.Errorf("cuBLAS candidate %+v", blas[0])
	}

	env["MNISTGPU_CUDNN"] = "/opt/x/libcudnn.so.9"
	if c := cudnnLib.candidates(getenv, dirs, exists); len(c) != 1 || c[0].path != "/opt/x/libcudnn.so.9" {
		t.Errorf("an override is the only candidate, got %+v", c)
	}
}

func TestCUDAInstallsNewestFirst(t *testing.T) {
	got := []string{"/usr/local/cuda-12.4/lib64", "/usr/local/cuda-12.10/lib64", "/usr/local/cuda-11.8/lib64"}
	glob := func(p string) ([]string, error) {
		if p == "/usr/local/cuda-*/lib64" {
			return append([]string(nil), got...), nil
		}
		return nil, nil
	}
	dirs := searchDirs(func(string) string { return "" }, glob)
	var order []string
	for _, d := range dirs {
		for _, g := range got {
			if d == g {
				order = append(order, d)
			}
		}
	}
	want := []string{"/usr/local/cuda-12.10/lib64", "/usr/local/cuda-12.4/lib64", "/usr/local/cuda-11.8/lib64"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

// A MNISTGPU_CUBLAS or MNISTGPU_CUDNN path that does not load is a setting
// the user gave: a SettingError (exit 2) naming the variable and its value;
// a search that finds nothing on its own stays a plain error (exit 1).
func TestLibraryOverrideThatFailsIsASetting(t *testing.T) {
	for _, lib := range []library{cublasLib, cudnnLib} {
		getenv := func(k string) string {
			if k == lib.env {
				return "/nowhere/" + lib.sonames[0]
			}
			return ""
		}
		err := lib.noneLoaded(getenv, []string{"/nowhere/" + lib.sonames[0] + ": cannot open shared object file"})
		var se *engine.SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), lib.env+`="/nowhere/`+lib.sonames[0]+`"`) {
			t.Errorf("%s set to a missing file: %T %v, want a SettingError naming it", lib.env, err, err)
		}
		err = lib.noneLoaded(func(string) string { return "" }, []string{lib.sonames[0] + ": not found"})
		if errors.As(err, &se) || !strings.Contains(err.Error(), "no usable "+lib.what) {
			t.Errorf("%s unset: %T %v, want a plain error", lib.env, err, err)
		}
	}
}
