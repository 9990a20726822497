package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keras names a checkpoint with str.format, so a template's "{name:spec}"
// is Python's format(value, spec) of an int (the epoch) or a float (a
// metric), in Python's format spec mini-language:
//
//	[[fill]align][sign][z][#][0][width][grouping][.precision][type]
//
// align < > ^ =, sign + - or space, grouping , or _, and the types d n of
// an int, e E f F g G n % of both (an int is written as a float by them)
// and none. pyFormat gives what CPython 3.11 gives (Objects/stringlib/
// unicode_format.h, Python/pystrtod.c), in the C locale, which Python
// keeps unless a program sets another ('n' is then d or g). What it does
// not write it refuses, as Python refuses it or, for the forms Python
// takes that no checkpoint name wants, in its own words: the types
// b o x X c, a fill that is a path separator, a brace or a control
// character, a width above maxFormatWidth and a precision above
// maxFormatPrecision.

const (
	maxFormatWidth     = 64 // a file name holds 255 bytes
	maxFormatPrecision = 32 // float64 holds 17 significant digits
)

// pySpec is a parsed format spec.
type pySpec struct {
	fill      rune
	align     byte // '<', '>', '^', '='; 0: the default, '>' for a number
	sign      byte // '+', '-', ' '; 0: '-'
	noNegZero bool // z: -0.0 after rounding is written 0.0
	alt       bool // #: keep the point and, under g, trailing zeros
	width     int
	grouping  byte // ',' or '_'; 0: none
	prec      int  // -1: none
	typ       byte // 0: none
}

func isAlign(c byte) bool { return c == '<' || c == '>' || c == '^' || c == '=' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parsePySpec reads spec as CPython's parse_internal_render_format_spec.
func parsePySpec(spec string) (pySpec, error) {
	p := pySpec{fill: ' ', prec: -1}
	i := 0
	fillGiven := false
	if r, n := utf8.DecodeRuneInString(spec); n > 0 && n < len(spec) && isAlign(spec[n]) {
		if r == utf8.RuneError || r == '/' || r == '\\' || r == '{' || r == '}' || unicode.IsControl(r) {
			return p, fmt.Errorf("fill %q: a file name's fill may not be a path separator, a brace or a control character", string(r))
		}
		p.fill, p.align, fillGiven = r, spec[n], true
		i = n + 1
	} else if len(spec) > 0 && isAlign(spec[0]) {
		p.align = spec[0]
		i = 1
	}
	if i < len(spec) && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ') {
		p.sign = spec[i]
		i++
	}
	if i < len(spec) && spec[i] == 'z' {
		p.noNegZero = true
		i++
	}
	if i < len(spec) && spec[i] == '#' {
		p.alt = true
		i++
	}
	// A 0 before the width: zeros as the fill, after the sign unless an
	// alignment is given; not after a fill of one's own ("x<05": width 5).
	if !fillGiven && i < len(spec) && spec[i] == '0' {
		p.fill = '0'
		if p.align == 0 {
			p.align = '='
		}
		i++
	}
	j := i
	for j < len(spec) && isDigit(spec[j]) {
		j++
	}
	if j > i {
		w, err := strconv.Atoi(spec[i:j])
		if err != nil || w > maxFormatWidth {
			return p, fmt.Errorf("width %s: mnistgpu writes a field of at most %d characters", spec[i:j], maxFormatWidth)
		}
		p.width, i = w, j
	}
	if i < len(spec) && (spec[i] == ',' || spec[i] == '_') {
		p.grouping = spec[i]
		i++
		if i < len(spec) && (spec[i] == ',' || spec[i] == '_') {
			if spec[i] == p.grouping {
				return p, fmt.Errorf("grouping '%c' given twice", p.grouping)
			}
			return p, fmt.Errorf("grouping ',' and '_' together: give one")
		}
	}
	if i < len(spec) && spec[i] == '.' {
		i++
		j := i
		for j < len(spec) && isDigit(spec[j]) {
			j++
		}
		if j == i {
			return p, fmt.Errorf("'.' without a precision: give its digits (.2f)")
		}
		n, err := strconv.Atoi(spec[i:j])
		if err != nil || n > maxFormatPrecision {
			return p, fmt.Errorf("precision %s: mnistgpu writes at most %d digits", spec[i:j], maxFormatPrecision)
		}
		p.prec, i = n, j
	}
	switch rest := spec[i:]; {
	case len(rest) > 1:
		return p, fmt.Errorf("bad format spec %q", spec)
	case len(rest) == 1:
		p.typ = rest[0]
	}
	return p, nil
}

// pyFormat is Python's format(v, spec) for the epoch (an int, isInt) or a
// metric (a float).
func pyFormat(v float64, isInt bool, spec string) (string, error) {
	if spec == "" { // str(v)
		if isInt {
			return strconv.Itoa(int(v)), nil
		}
		return pyRepr(v), nil
	}
	p, err := parsePySpec(spec)
	if err != nil {
		return "", err
	}
	typ := p.typ
	if isInt && typ == 0 {
		typ = 'd' // an int's default type
	}
	if p.grouping != 0 && typ == 'n' {
		return "", fmt.Errorf("grouping '%c' with type 'n', which groups as the locale does", p.grouping)
	}
	if isInt && (typ == 'd' || typ == 'n') {
		if p.prec >= 0 {
			return "", fmt.Errorf("a precision is for a float; the epoch is an integer (pad it with 03d, or give f, e or g)")
		}
		if p.noNegZero {
			return "", fmt.Errorf("'z' is for a float; the epoch is an integer")
		}
		if typ == 'n' {
			p.grouping = 0 // the C locale groups no digits
		}
		return p.layout(v < 0, strconv.FormatInt(int64(math.Abs(v)), 10)), nil
	}
	switch typ {
	case 0, 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%':
	case 'd':
		return "", fmt.Errorf("format 'd' is for the epoch; a metric is a float (use .Nf)")
	case 'b', 'o', 'x', 'X', 'c':
		if isInt {
			return "", fmt.Errorf("type '%c': mnistgpu writes the epoch in decimal (d, n, or as a float e, E, f, F, g, G, %%)", typ)
		}
		fallthrough
	default:
		return "", fmt.Errorf("bad format type %q (want d or n for the epoch; e, E, f, F, g, G, n, %% or none for it or a metric)", typ)
	}
	if typ == 'n' {
		typ, p.grouping = 'g', 0 // in the C locale
	}
	body, neg := pyFloatText(v, typ, p.prec, p.alt, p.noNegZero)
	return p.layout(neg, body), nil
}

// pyFloatText is the float v under type typ (0, e, E, f, F, g, G or %)
// without its sign, as CPython's format_float_internal has it from
// PyOS_double_to_string; neg: a '-' goes before it. A NaN has no sign.
func pyFloatText(v float64, typ byte, prec int, alt, noNegZero bool) (text string, neg bool) {
	code := typ
	upper := typ == 'E' || typ == 'F' || typ == 'G'
	if upper {
		code = typ - 'A' + 'a'
	}
	pct := typ == '%'
	if pct {
		code, v = 'f', v*100
	}
	addDot0 := false
	if code == 0 { // repr without a precision; 'g' keeping a decimal with one
		addDot0, code = true, 'r'
		if prec >= 0 {
			code = 'g'
		}
	}
	if prec < 0 {
		prec = 6
	}
	neg = math.Signbit(v) && !math.IsNaN(v)
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		text = "nan"
	case math.IsInf(v, 0):
		text = "inf"
	case code == 'f':
		text = strconv.FormatFloat(a, 'f', prec, 64)
		if alt && prec == 0 {
			text += "."
		}
	case code == 'e':
		text = strconv.FormatFloat(a, 'e', prec, 64) // Go, like Python, writes ≥2 exponent digits
		if alt && prec == 0 {
			text = strings.Replace(text, "e", ".e", 1)
		}
	case code == 'g':
		p := max(prec, 1)
		digits, decpt := decimalDigits(strconv.FormatFloat(a, 'e', p-1, 64))
		text = pyShort(digits, decpt, 'g', p, addDot0, alt)
	default: // 'r': the shortest digits that read back as v
		digits, decpt := decimalDigits(strconv.FormatFloat(a, 'e', -1, 64))
		text = pyShort(digits, decpt, 'r', 0, addDot0, alt)
	}
	if upper {
		text = strings.ToUpper(text)
	}
	if noNegZero && neg && !math.IsInf(v, 0) {
		mant, _, _ := strings.Cut(strings.ToLower(text), "e")
		if strings.Trim(mant, "0.") == "" {
			neg = false // z: zero after rounding
		}
	}
	if pct {
		text += "%"
	}
	return text, neg
}

// decimalDigits reads Go's "d.ddde±XX" as the significant digits without
// trailing zeros ("0" for zero) and the position of the decimal point
// after the first of them (decpt: 1 for d.dd), as dtoa gives them.
func decimalDigits(e string) (digits string, decpt int) {
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	digits = strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	if digits == "" {
		digits = "0"
	}
	return digits, x + 1
}

// pyShort lays digits out as CPython's format_float_short does for 'g'
// (prec significant digits) and 'r' (repr): in exponent form when the
// decimal exponent is below -4 or at least prec (prec-1 with addDot0,
// which also keeps one decimal in fixed form; 16 for repr); trailing zeros
// and a trailing point only with alt.
func pyShort(digits string, decpt int, code byte, prec int, addDot0, alt bool) string {
	useExp := false
	vend := len(digits)
	switch code {
	case 'g':
		limit := prec
		if addDot0 {
			limit--
		}
		useExp = decpt <= -4 || decpt > limit
		if alt {
			vend = prec
		}
	case 'r':
		useExp = decpt <= -4 || decpt > 16
	}
	exp := 0
	if useExp {
		exp, decpt = decpt-1, 1
	}
	vstart := 0
	if decpt <= 0 {
		vstart = decpt - 1
	}
	if !useExp && addDot0 {
		vend = max(vend, decpt+1)
	} else {
		vend = max(vend, decpt)
	}
	zeros := func(n int) string { return strings.Repeat("0", max(n, 0)) }
	var b strings.Builder
	if decpt <= 0 {
		b.WriteString(zeros(decpt - vstart))
		b.WriteByte('.')
		b.WriteString(zeros(-decpt))
	}
	if 0 < decpt && decpt <= len(digits) {
		b.WriteString(digits[:decpt])
		b.WriteByte('.')
		b.WriteString(digits[decpt:])
	} else {
		b.WriteString(digits)
	}
	if len(digits) < decpt {
		b.WriteString(zeros(decpt - len(digits)))
		b.WriteByte('.')
		b.WriteString(zeros(vend - decpt))
	} else {
		b.WriteString(zeros(vend - len(digits)))
	}
	s := b.String()
	if !alt {
		s = strings.TrimSuffix(s, ".")
	}
	if useExp {
		s += fmt.Sprintf("e%+03d", exp)
	}
	return s
}

// layout writes a number's text (unsigned: "1234.50", "5.0e+00", "inf")
// with its sign, grouping, fill and alignment, as CPython's
// calc_number_widths and fill_number: the grouping is of the leading
// digits; zeros as the fill after the sign ('0', or "0=") are digits, and
// grouped with them.
func (p pySpec) layout(neg bool, text string) string {
	sign := ""
	switch {
	case neg:
		sign = "-"
	case p.sign == '+':
		sign = "+"
	case p.sign == ' ':
		sign = " "
	}
	n := 0
	for n < len(text) && isDigit(text[n]) {
		n++
	}
	digits, rest := text[:n], text[n:]
	if n > 0 { // "inf" and "nan" have none, and are padded as text
		minWidth := 0
		if p.fill == '0' && p.align == '=' {
			minWidth = p.width - len(sign) - len(rest)
		}
		digits = groupDigits(digits, p.grouping, minWidth)
	}
	pad := max(p.width-len(sign)-len(digits)-len(rest), 0)
	fill := func(n int) string { return strings.Repeat(string(p.fill), n) }
	switch p.align {
	case '<':
		return sign + digits + rest + fill(pad)
	case '^':
		return fill(pad/2) + sign + digits + rest + fill(pad-pad/2)
	case '=':
		return sign + fill(pad) + digits + rest
	}
	return fill(pad) + sign + digits + rest
}

// groupDigits writes digits in groups of three from the right, sep
// between them (0: no grouping), led by zeros to at least minWidth
// characters, as CPython's _PyUnicode_InsertThousandsGrouping: a group of
// leading zeros is never led by a separator, so "0,001,234" for 1234 in
// a width of 8.
func groupDigits(digits string, sep byte, minWidth int) string {
	minWidth = max(minWidth, 0)
	remaining := len(digits)
	if sep == 0 {
		return strings.Repeat("0", max(remaining, minWidth, 1)-remaining) + digits
	}
	var groups []string // from the right
	for {
		l := min(3, max(remaining, minWidth, 1))
		zeros := max(0, l-remaining)
		chars := max(0, min(remaining, l))
		groups = append(groups, strings.Repeat("0", zeros)+digits[remaining-chars:remaining])
		remaining -= chars
		minWidth -= l
		if remaining <= 0 && minWidth <= 0 {
			break
		}
		minWidth-- // the separator's
	}
	var b strings.Builder
	for i := len(groups) - 1; i >= 0; i-- {
		b.WriteString(groups[i])
		if i > 0 {
			b.WriteByte(sep)
		}
	}
	return b.String()
}
