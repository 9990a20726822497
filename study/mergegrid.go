package study

import (
	"fmt"
	"path/filepath"
	"strings"
)

// outsideGrid sets apart the shards' complete cells that are no cell of
// the study's grid f: a folder whose name is no cell's key (a cell of an
// edited or other study copied in by hand), or one named for a cell whose
// config.json records other settings (a run trained there by hand). The
// report leaves both out, and a merge copied them into the merged folder
// all the same; it leaves them out, and says so (strayLine), as it does a
// stale or unreadable cell.
func outsideGrid(f File, cells []mergeSource) (in []mergeSource, out []string) {
	grid := map[string]Cell{}
	for _, c := range f.Cells() {
		grid[c.Key(f.Axes)] = c
	}
	for _, src := range cells {
		c, ok := grid[filepath.Base(src.dir)]
		switch {
		case !ok:
			out = append(out, src.dir+" (no cell of the grid)")
		case !recordsCell(src.dir, c):
			out = append(out, src.dir+" (its config.json records other settings than the cell's)")
		default:
			in = append(in, src)
		}
	}
	return in, out
}

// strayLine is the one line that names the shard cells outsideGrid left
// out, or "" when there are none.
func strayLine(study string, stray []string) string {
	if len(stray) == 0 {
		return ""
	}
	are := "are"
	if len(stray) == 1 {
		are = "is"
	}
	return fmt.Sprintf("merge: left out %s of the shards' cells that %s no cell of study %q (its report leaves them out): %s",
		plural(len(stray), "folder"), are, study, strings.Join(stray, "; "))
}
