package engine

import (
	"math"
	"strconv"
	"strings"
)

// Keras writes a metric with Python's float formatting: CSVLogger with the
// csv module (repr), ModelCheckpoint with str.format on the logs. The
// functions here give the same text, so that history.csv and a checkpoint
// template's names are the ones Keras writes for the same values.

// pyRepr is Python's repr(v) (and str(v)) of a float: the shortest digits
// that read back as v; in exponent form ("1e-05", "1e+16") when the decimal
// exponent is below -4 or at least 16, else in fixed form with at least one
// decimal ("1.0", "0.0001"); "nan", "inf", "-inf".
func pyRepr(v float64) string {
	if s, ok := pyNonFinite(v); ok {
		return s
	}
	e := strconv.FormatFloat(v, 'e', -1, 64) // the shortest digits, d.ddde±XX
	if exp, err := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:]); err == nil && (exp < -4 || exp >= 16) {
		return e
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyNonFinite is Python's spelling of a NaN or an infinity under every
// float format ("nan", "inf", "-inf"; Go writes "NaN", "+Inf", "-Inf"), and
// false for a finite v.
func pyNonFinite(v float64) (string, bool) {
	switch {
	case math.IsNaN(v):
		return "nan", true
	case math.IsInf(v, 1):
		return "inf", true
	case math.IsInf(v, -1):
		return "-inf", true
	}
	return "", false
}

// pyGeneral is format(v, ".<prec>") for a float, the spec without a type:
// 'g' that keeps at least one decimal in fixed form ("1.0", not "1") and
// so turns to exponent form one digit sooner: at a decimal exponent of
// prec-1 and up ("1e+02" for format(100.0, ".3"), "1e+00" for
// format(1.0, ".1")), or below -4. A precision of 0 is read as 1.
func pyGeneral(v float64, prec int) string {
	if s, ok := pyNonFinite(v); ok {
		return s
	}
	p := max(prec, 1)
	e := strconv.FormatFloat(v, 'e', p-1, 64) // rounded to p digits: d.ddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	if x, err := strconv.Atoi(exp); err == nil && (x < -4 || x >= p-1) {
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		return mant + "e" + exp
	}
	s := strconv.FormatFloat(v, 'g', p, 64) // fixed form: the exponent is below p
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
