package study

import (
	"fmt"
	"sort"
	"strings"

	"mnistgpu/run"
)

// UnusedFixed is one line for each fixed setting of f that some cells go
// without, because their axis values leave it without effect (Configs):
// the file's "momentum" in the cells of an optimizer axis that are not
// sgd. A fixed setting that applies to no cell is refused (Configs), so a
// study can compare settings that read it with settings that do not; the
// line says which cells train without it, as a run's record shows.
func (f File) UnusedFixed(cells []Cell, cfgs []run.Config) []string {
	keys := make([]string, 0, len(f.Fixed))
	for k := range f.Fixed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, k := range keys {
		fd, ok := run.Lookup(k)
		if !ok || fd.Machine { // where a device does not read it: FitDevice, and cmd says so
			continue
		}
		var without []string
		for i, cfg := range cfgs {
			with := cfg
			if with.SetField(fd, f.Fixed[k]) == nil && with.GetString(fd) != cfg.GetString(fd) {
				without = append(without, cells[i].Key(f.Axes))
			}
		}
		if len(without) == 0 {
			continue
		}
		shown := without
		if len(shown) > 3 {
			shown = append(shown[:3:3], fmt.Sprintf("and %d more", len(without)-3))
		}
		those := "those cells train"
		if len(without) == 1 {
			those = "that cell trains"
		}
		lines = append(lines, fmt.Sprintf("the study file's %q: %q does not apply to %d of its %s (%s): %s without it",
			k, f.Fixed[k], len(without), run.Plural(len(cfgs), "cell"), strings.Join(shown, "; "), those))
	}
	return lines
}
