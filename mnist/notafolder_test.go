package mnist

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDataFolderThatIsAFile: a data folder given as a file (--data-dir
// run/config.json) was reported as "run/config.json/train-images-idx3-ubyte.gz:
// missing", a path under a file; it is named for what it is.
func TestDataFolderThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte("{}"), 0o644)
	if _, err := LoadDir(file, false); err == nil || err.Error() != file+": a file, not a folder of MNIST files" {
		t.Errorf("a file: %v", err)
	}
	if _, err := LoadDir(os.DevNull, false); runtime.GOOS != "windows" && (err == nil || err.Error() != os.DevNull+": a device, not a folder of MNIST files") {
		t.Errorf("a device: %v", err)
	}
	// A folder that is not there is said to be so (it was reported by
	// its first missing file), and is a FolderError, which a command
	// refuses as a bad --data-dir; a folder that is there without the
	// files is reported by its first missing file.
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	var fe *FolderError
	for _, dir := range []string{nowhere, filepath.Join(file, "x")} {
		if _, err := LoadDir(dir, false); !errors.As(err, &fe) || err.Error() != dir+": no such folder" {
			t.Errorf("a folder that is not there: %v", err)
		}
	}
	empty := t.TempDir()
	if _, err := LoadDir(empty, false); errors.As(err, &fe) || err == nil || !strings.HasPrefix(err.Error(), filepath.Join(empty, "train-images-idx3-ubyte.gz")+": missing") {
		t.Errorf("a folder without the files: %v", err)
	}
}
