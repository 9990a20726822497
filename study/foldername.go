package study

import (
	"fmt"
	"runtime"
	"strings"
)

// windowsReserved are the characters a Windows file or folder name cannot
// hold (besides control characters); '/' is refused everywhere already.
const windowsReserved = `<>:"\|?*`

// folderNameProblem says why value cannot be part of a cell's folder name
// ("model=cnn,lr-schedule=cosine:2,seed=1") on goos, "" when it can: on
// Windows a ':' (as in lr-schedule values), a '\' or a '*' would fail the
// cell's mkdir only when the study reaches it, so the study is refused
// before anything runs.
func folderNameProblem(value, goos string) string {
	if goos != "windows" {
		return ""
	}
	if i := strings.IndexFunc(value, func(r rune) bool { return r < 0x20 || strings.ContainsRune(windowsReserved, r) }); i >= 0 {
		return fmt.Sprintf("holds %q, which a folder name on Windows cannot (each cell is a folder named after its values)", value[i:i+1])
	}
	return ""
}

// cellFolderProblem is folderNameProblem on this system.
func cellFolderProblem(value string) string { return folderNameProblem(value, runtime.GOOS) }
