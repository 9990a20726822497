package study

import (
	"fmt"
	"strings"
)

// Unpaired counts the settings that differ only in a claim's axis, both
// with a result, that gave no pair to weigh because a side has no
// validation accuracy (to the first-epoch claim: none after its first
// epoch) and did not diverge before one: trained without validation data
// (--validation-split 0), or ended no epoch (a step budget within the
// first). Such a side neither won nor lost; the evidence says so, where
// it said "no two settings with a result differ only in …" of settings
// that did.
type Unpaired struct {
	Neither int // neither side has one
	ANone   int // A has none, B has one
	BNone   int // B has none, A has one
}

// add counts a setting whose sides have a value (aHas, bHas), not both.
func (u *Unpaired) add(aHas, bHas bool) {
	switch {
	case !aHas && !bHas:
		u.Neither++
	case !aHas:
		u.ANone++
	default:
		u.BNone++
	}
}

func (u Unpaired) total() int { return u.Neither + u.ANone + u.BNone }

// parts are u's counts in words, what being the value looked for ("a
// validation accuracy") and suffix what follows each count (" more, not
// counted" beside pairs that were weighed): "neither has a validation
// accuracy in 2", "sgd has none in 1".
func (u Unpaired) parts(a, b, what, suffix string) []string {
	var out []string
	if u.Neither > 0 {
		out = append(out, fmt.Sprintf("neither has %s in %d%s", what, u.Neither, suffix))
	}
	for _, s := range []struct {
		side string
		n    int
	}{{a, u.ANone}, {b, u.BNone}} {
		if s.n > 0 {
			out = append(out, fmt.Sprintf("%s has none in %d%s", s.side, s.n, suffix))
		}
	}
	return out
}

// noPairEvidence is the evidence of a claim that found no pair to weigh
// in the settings that differ only in a and b ("optimizer=adam",
// "optimizer=sgd"), both with a result: none differ so, each lacks what
// (a value, u) on a side, or both sides diverged before their first
// validation (bothDiverged).
func noPairEvidence(a, b, what string, u Unpaired, bothDiverged int) string {
	matched := u.total() + bothDiverged
	if matched == 0 {
		return fmt.Sprintf("no two settings with a result differ only in %s and %s", a, b)
	}
	settings := fmt.Sprintf("the %d settings that differ", matched)
	if matched == 1 {
		settings = "the 1 setting that differs"
	}
	if u.Neither == matched {
		return fmt.Sprintf("neither %s nor %s has %s in %s only in them", a, b, what, settings)
	}
	why := u.parts(a, b, what, "")
	if bothDiverged > 0 {
		why = append(why, fmt.Sprintf("both diverged before their first validation in %d", bothDiverged))
	}
	return fmt.Sprintf("no pair to weigh in %s only in %s and %s: %s", settings, a, b, strings.Join(why, ", "))
}
