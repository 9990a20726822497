package mnist

import "os"

// notAFolder says what dir is when it is there and not a folder ("a
// file"), or "": a data folder given as a file (--data-dir
// run/config.json) was reported as "run/config.json/train-images-idx3-ubyte.gz:
// missing", a path under a file. A folder that is not there is left to
// the files' own "missing".
func notAFolder(dir string) string {
	st, err := os.Stat(dir)
	switch {
	case err != nil || st.IsDir():
		return ""
	case st.Mode()&os.ModeDevice != 0:
		return "a device"
	case st.Mode()&os.ModeNamedPipe != 0:
		return "a named pipe"
	}
	return "a file"
}
