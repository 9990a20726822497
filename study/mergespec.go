package study

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"mnistgpu/run"
)

// A merge names what differs between the studies it refuses to mix (two
// shards', or the shards' and its folder's), and merges extended shards
// into a folder that holds an earlier merge of them: the same study with
// fewer epochs or fewer seeds, as `study run` extends its own folder
// (studyDiff). The folder's cells keep their old length until the shards'
// extended ones are copied over them; the report leaves out those not yet
// extended (currentCells).

// epochsSetting is f's fixed epochs as written, and its name in f.Fixed
// ("" when f fixes none: an epochs axis, or each cell's default).
func epochsSetting(f File) (value, name string) {
	fd, _ := run.Lookup("epochs")
	name, value, axis, ok := f.Setting(fd)
	if !ok || axis {
		return "", ""
	}
	return value, name
}

// withoutEpochs is f's fixed settings but its fixed epochs.
func withoutEpochs(f File) map[string]string {
	_, name := epochsSetting(f)
	m := maps.Clone(f.Fixed)
	delete(m, name)
	return m
}

// studyDifference names the first way b differs from a, as what each of
// them does ("ran 3 epochs", "ran 2 epochs"), or "" when they are one
// study.
func studyDifference(a, b File) (aDoes, bDoes string) {
	switch {
	case a.Name != b.Name:
		return fmt.Sprintf("is study %q", a.Name), fmt.Sprintf("is study %q", b.Name)
	case !sameAxes(a.Axes, b.Axes):
		return "has axes " + axesList(a.Axes), "has axes " + axesList(b.Axes)
	case !slices.Equal(a.Seeds, b.Seeds):
		return "has " + seedList(a.Seeds), "has " + seedList(b.Seeds)
	}
	ae, _ := epochsSetting(a)
	be, _ := epochsSetting(b)
	if ae != be {
		return ranEpochs(ae), ranEpochs(be)
	}
	fa, fb := withoutEpochs(a), withoutEpochs(b)
	keys := slices.Sorted(maps.Keys(fa))
	for k := range fb {
		if _, ok := fa[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		va, oka := fa[k]
		vb, okb := fb[k]
		if oka != okb || va != vb {
			return setsFixed(k, va, oka), setsFixed(k, vb, okb)
		}
	}
	return "", ""
}

func ranEpochs(v string) string {
	if v == "" {
		return "ran each cell's default epochs (it sets none)"
	}
	if v == "1" {
		return "ran 1 epoch"
	}
	return "ran " + v + " epochs"
}

func setsFixed(k, v string, ok bool) string {
	if !ok {
		return fmt.Sprintf("does not fix %s", k)
	}
	return fmt.Sprintf("fixes %s=%s", k, v)
}

func axesList(axes []Axis) string {
	if len(axes) == 0 {
		return "none"
	}
	var s []string
	for _, a := range axes {
		s = append(s, a.Name+"="+strings.Join(a.Values, "|"))
	}
	return strings.Join(s, ", ")
}

// extends reports whether cur is old trained longer or with more seeds,
// and nothing else: a folder holding old takes cur's cells beside its own.
func extends(old, cur File) bool {
	oe, _ := epochsSetting(old)
	ce, _ := epochsSetting(cur)
	on, err1 := strconv.Atoi(oe)
	cn, err2 := strconv.Atoi(ce)
	sameEpochs := oe == ce
	if !sameEpochs && (err1 != nil || err2 != nil || cn < on) {
		return false
	}
	of, cf := withoutEpochs(old), withoutEpochs(cur)
	if !raisesBudget(old, cur, of, cf) {
		return false
	}
	return old.Name == cur.Name && sameAxes(old.Axes, cur.Axes) && subset(old.Seeds, cur.Seeds) && maps.Equal(of, cf)
}

// raisesBudget reports whether cur's fixed max-steps is old's or a larger
// budget (0 or none: no budget), as `study run` continues its own folder's
// cells with one (studyDiff); it then takes max-steps out of of and cf,
// old's and cur's fixed settings, for the rest to compare.
func raisesBudget(old, cur File, of, cf map[string]string) bool {
	fd, _ := run.Lookup("max-steps")
	oname, ov, oaxis, _ := old.Setting(fd)
	cname, cv, caxis, _ := cur.Setting(fd)
	if oaxis || caxis || ov == cv {
		return true // an axis compares as axes do
	}
	on, err1 := strconv.Atoi(cmp.Or(ov, "0"))
	cn, err2 := strconv.Atoi(cmp.Or(cv, "0"))
	if err1 != nil || err2 != nil || budgetLowered(on, cn) {
		return false
	}
	delete(of, oname)
	delete(cf, cname)
	return true
}

// sameStudy refuses shard b's study.json when it is another study than
// shard a's, naming the first difference ("shard s2 ran 3 epochs, shard s1
// ran 2 epochs").
func sameStudy(a string, rawA []byte, b string, rawB []byte) error {
	fa, errA := Parse(filepath.Join(a, "study.json"), rawA)
	fb, errB := Parse(filepath.Join(b, "study.json"), rawB)
	if errA != nil || errB != nil {
		return &SettingError{fmt.Sprintf("merge: %s and %s hold different studies (their study.json differ); merge the shards of one study", a, b)}
	}
	aDoes, bDoes := studyDifference(fa, fb)
	if aDoes == "" {
		return nil // one study, written otherwise
	}
	if d, ok := cellsDiffer(fa, a, fb, b); ok {
		if d == "" {
			return nil // a default spelled out in one file, left out in the other
		}
		return &SettingError{fmt.Sprintf("merge: %s and %s hold different studies: %s (shard %s vs shard %s); merge the shards of one study (run with the same settings, --epochs and --seeds)", a, b, d, a, b)}
	}
	return &SettingError{fmt.Sprintf("merge: %s and %s hold different studies: shard %s %s, shard %s %s; merge the shards of one study (run with the same settings, --epochs and --seeds)", a, b, b, bDoes, a, aDoes)}
}

// cellsDiffer compares two shards' studies of one name, axes, seeds and
// epochs as their cells train, as `study run` compares its folder's
// (studyDiff): a file that spells out a default the other leaves out
// (Adam's "lr": "0.001") is the same study (""); a real difference is named
// with the value each takes ("lr: not given (0.001) vs 0.01"). ok is false
// where the studies differ otherwise, or their cells cannot be made.
func cellsDiffer(fa File, a string, fb File, b string) (diff string, ok bool) {
	ae, _ := epochsSetting(fa)
	be, _ := epochsSetting(fb)
	if fa.Name != fb.Name || !sameAxes(fa.Axes, fb.Axes) || !slices.Equal(fa.Seeds, fb.Seeds) || ae != be {
		return "", false
	}
	// The device and data flags, all a study takes from its command line,
	// are no part of what study.json records.
	_, ca, errA := fa.Configs(run.Default(), a)
	_, cb, errB := fb.Configs(run.Default(), b)
	if errA != nil || errB != nil || len(ca) != len(cb) {
		return "", false
	}
	for i := range ca {
		x, y := ca[i], cb[i]
		y.Output.Dir = x.Output.Dir // each shard's own folder
		if d := run.DiffResolved(x, y); len(d) > 0 {
			return d[0], true
		}
	}
	return "", true
}

// mergeOver refuses to merge the shards' study (spec, as shard first holds
// it) into dir, whose study.json is old, unless it is that study or the
// shards extend it (more epochs, more seeds, nothing else).
func mergeOver(dir string, old, spec []byte, first string) error {
	fo, errO := Parse(filepath.Join(dir, "study.json"), old)
	fs, errS := Parse(filepath.Join(first, "study.json"), spec)
	if errO != nil || errS != nil {
		return &SettingError{fmt.Sprintf("%s holds another study than the shards' (its study.json differs); use another --out", dir)}
	}
	if extends(fo, fs) || extendsAsTrained(dir, fo, fs) {
		return nil
	}
	oDoes, sDoes := studyDifference(fo, fs)
	return &SettingError{fmt.Sprintf("%s holds another study than the shards': shard %s %s, the merge folder's study %s (a merge extends a study with more epochs or seeds, never shortens it); use another --out",
		dir, first, sDoes, oDoes)}
}

// extendsAsTrained reports whether the shards' study cur is the study old
// that dir holds, or extends it, compared as the cells train, as `study
// run` compares its folder's (studyDiff): an earlier merge that recorded a
// shard's file leaving Adam's lr to its default takes shards whose file
// spells out "lr": "0.001". The device a cell runs on is compared as
// written, as between shards (cellsDiffer).
func extendsAsTrained(dir string, old, cur File) bool {
	oldCells, oldCfgs, err1 := old.Configs(run.Default(), dir)
	curCells, cfgs, err2 := cur.Configs(run.Default(), dir)
	if err1 != nil || err2 != nil || studyDiff(old, cur, oldCells, curCells, oldCfgs, cfgs) != "" {
		return false
	}
	curKeys := map[string]int{}
	for i, c := range curCells {
		curKeys[c.Key(cur.Axes)] = i
	}
	for i, c := range oldCells {
		if oldCfgs[i].Device != cfgs[curKeys[c.Key(old.Axes)]].Device {
			return false
		}
	}
	return true
}
