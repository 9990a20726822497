package mnist

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDataFolderThatIsAFile: a data folder given as a file (--data-dir
// run/config.json) was reported as "run/config.json/train-images-idx3-ubyte.gz:
// missing", a path under a file; it is named for what it is. A folder that
// is not there is still reported by its first missing file.
func TestDataFolderThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte("{}"), 0o644)
	if _, err := LoadDir(file, false); err == nil || err.Error() != file+": a file, not a folder of MNIST files" {
		t.Errorf("a file: %v", err)
	}
	if _, err := LoadDir(os.DevNull, false); runtime.GOOS != "windows" && (err == nil || err.Error() != os.DevNull+": a device, not a folder of MNIST files") {
		t.Errorf("a device: %v", err)
	}
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	if _, err := LoadDir(nowhere, false); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(nowhere, "train-images-idx3-ubyte.gz")+": missing") {
		t.Errorf("a folder that is not there: %v", err)
	}
}
