package study

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"mnistgpu/run"
)

// A study file that spells out a setting its folder's study left to the
// default, at the value the cells used (Adam's "lr": "0.001", "monitor":
// "val_loss"), or leaves out one the folder's study spelled out so, is the
// same study (studyDiff compares the cells as they run). The folder keeps
// the study.json it was first written with, unless the file also extends
// the study (more epochs, seeds, a larger step budget), which later runs
// and merges compare with; `study run` says so in one line.

// recordKept is what Prepare found of the study recorded in its folder: the
// lines that say which settings the two files write differently for one
// value, and whether the folder's study.json stands as written (keep).
type recordKept struct {
	lines []string
	keep  bool
}

// spelledOut compares cur, accepted as the study old recorded in dir
// (studyDiff found no difference), setting by setting of their "fixed".
func spelledOut(old, cur File, dir string, oldCells, curCells []Cell, oldCfgs, cfgs []run.Config) recordKept {
	byPath := func(f File) map[string]string {
		m := map[string]string{}
		for k, v := range f.Fixed {
			if fd, ok := run.Lookup(k); ok {
				m[fd.Path] = v
			}
		}
		return m
	}
	of, cf := byPath(old), byPath(cur)
	curKeys := map[string]int{}
	for i, c := range curCells {
		curKeys[c.Key(cur.Axes)] = i
	}
	// sameInCells reports whether every cell of old takes fd's value in
	// cur as it did: a difference of spelling only.
	sameInCells := func(fd run.Field) bool {
		for i, c := range oldCells {
			j, ok := curKeys[c.Key(old.Axes)]
			if !ok {
				return false
			}
			a, b := oldCfgs[i].Resolved(), cfgs[j].Resolved()
			if a.GetString(fd) != b.GetString(fd) {
				return false
			}
		}
		return true
	}
	paths := map[string]bool{}
	for p := range of {
		paths[p] = true
	}
	for p := range cf {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	r := recordKept{keep: old.Name == cur.Name && sameAxes(old.Axes, cur.Axes) && slices.Equal(old.Seeds, cur.Seeds)}
	var given, left []string
	for _, p := range sorted {
		ov, inOld := of[p]
		cv, inCur := cf[p]
		if inOld && inCur && ov == cv {
			continue
		}
		fd, _ := run.Lookup(p)
		if !sameInCells(fd) {
			r.keep = false // a longer study, another device: recorded anew
			continue
		}
		switch {
		case inCur && !inOld:
			given = append(given, fmt.Sprintf("%q: %q", fd.Flag, cv))
		case inOld && !inCur:
			left = append(left, fmt.Sprintf("%q (%q there)", fd.Flag, ov))
		}
	}
	if len(given)+len(left) == 0 {
		return r
	}
	record := filepath.Join(dir, "study.json")
	file := cmp.Or(cur.Path, "the study")
	var says []string
	if len(given) > 0 {
		says = append(says, fmt.Sprintf("spells out %s, the value%s its cells already trained with (%s leaves %s to the default)",
			strings.Join(given, ", "), plural1(len(given)), record, pronoun1(len(given))))
	}
	if len(left) > 0 {
		says = append(says, fmt.Sprintf("leaves out %s of %s, the value%s its cells take by default", strings.Join(left, ", "), record, plural1(len(left))))
	}
	line := fmt.Sprintf("%s %s: the same study %q", file, strings.Join(says, ", and "), cur.Name)
	if r.keep {
		line += "; " + record + " keeps the text it was first written with"
	}
	r.lines = []string{line}
	return r
}

func plural1(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func pronoun1(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
