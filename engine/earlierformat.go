package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// How mnistgpu read a checkpoint template's spec before it followed
// Python's format spec (pyFormat): as [0][width][.prec][d|f|e|g], the
// width and precision read by strconv.Atoi, so that a sign there was
// taken as part of the number ("{loss:+8.2f}" padded to 8 with no '+',
// "{epoch:-3}" not padded), a precision on the epoch was dropped
// ("{epoch:.3}" wrote "1"), and a 0 before a sign padded with zeros. A
// run recorded then finds its files by these names and goes on naming its
// files so where they differ from Python's (restoreFiles), and a run
// recorded with a template refused since names its files so
// (ModelCheckpoint.AsBefore).

// templateFormat is how formatTemplate writes a field.
type templateFormat int

const (
	asPython   templateFormat = iota // pyFormat: what Keras writes
	asBefore                         // earlierSpec, a metric spelled as Python
	asBeforeGo                       // earlierSpec, a metric spelled by strconv, as before asBefore
)

// FormatTemplateAsBefore is FormatTemplate as mnistgpu read templates
// before it followed Python's format spec (see above).
func FormatTemplateAsBefore(tmpl string, epoch int, logs Logs) (string, error) {
	return formatTemplate(tmpl, epoch, logs, asBefore)
}

// earlierSpec is format(v, spec) as mnistgpu wrote it before (see above);
// goSpelling: a metric as strconv writes it ("3" for 3.0, the shortest %g
// without a precision, "NaN"), as before it spelled numbers as Python.
func earlierSpec(v float64, isInt bool, spec string, goSpelling bool) (string, error) {
	if spec == "" {
		if isInt {
			return strconv.Itoa(int(v)), nil
		}
		if goSpelling {
			return strconv.FormatFloat(v, 'g', -1, 64), nil
		}
		return pyRepr(v), nil
	}
	zero := strings.HasPrefix(spec, "0")
	rest := strings.TrimPrefix(spec, "0")
	verb := byte(0) // none: repr, or Python's general format with a precision
	if n := len(rest); n > 0 && strings.IndexByte("dfeg", rest[n-1]) >= 0 {
		verb, rest = rest[n-1], rest[:n-1]
	}
	widthS, precS, hasPrec := strings.Cut(rest, ".")
	width, prec := 0, -1
	var err error
	if widthS != "" {
		if width, err = strconv.Atoi(widthS); err != nil || width > 64 {
			return "", fmt.Errorf("bad format spec %q", spec)
		}
	}
	if hasPrec {
		if prec, err = strconv.Atoi(precS); err != nil || prec > 32 {
			return "", fmt.Errorf("bad format spec %q", spec)
		}
	}
	var s string
	switch {
	case verb == 'd':
		if !isInt {
			return "", fmt.Errorf("format 'd' is for the epoch; a metric is a float (use .Nf)")
		}
		s = strconv.FormatInt(int64(v), 10)
	case verb == 0 && isInt:
		s = strconv.Itoa(int(v))
	case goSpelling && (verb == 0 || verb == 'g'):
		s = strconv.FormatFloat(v, 'g', prec, 64)
	case goSpelling:
		if prec < 0 {
			prec = 6
		}
		s = strconv.FormatFloat(v, verb, prec, 64)
	case verb == 0 && prec < 0:
		s = pyRepr(v)
	case verb == 0:
		s = pyGeneral(v, prec)
	default:
		if prec < 0 {
			prec = 6
		}
		var ok bool
		if s, ok = pyNonFinite(v); !ok {
			s = strconv.FormatFloat(v, verb, prec, 64)
		}
	}
	for len(s) < width {
		if zero {
			if strings.HasPrefix(s, "-") {
				s = "-0" + s[1:]
			} else {
				s = "0" + s
			}
		} else {
			s = " " + s
		}
	}
	return s, nil
}
