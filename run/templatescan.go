package run

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"mnistgpu/engine"
)

// A checkpoint template ("weights0.{epoch:02d}-{val_loss:.2f}.safetensors")
// is read three ways before a run formats it: as a name it formats to
// (templateSample), as a pattern for the names it wrote (templateGlob), and
// as a pattern for every name it can write (templateNames). All three read
// it through scanTemplate, so that they agree on what is a field. Before
// anything runs, the template is checked: that it formats
// (checkTemplateFormats) and names a file below the run's folder
// (templateLocal).

// scanTemplate reads the template t as engine.FormatTemplate does: {{ and
// }} are one brace of text, {...} up to the next } is a field, whose
// text between the braces goes to field; all else is text, given to text
// in runs (whole UTF-8 sequences). A { without a closing } and a lone }
// are text too: FormatTemplate refuses them when the run begins, and until
// then such a template names only itself.
func scanTemplate(t string, text func(string), field func(spec string)) {
	start := 0 // of the text not yet given
	flush := func(end int) {
		if end > start {
			text(t[start:end])
		}
	}
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case (c == '{' || c == '}') && i+1 < len(t) && t[i+1] == c:
			flush(i + 1) // the text before, and one brace
			i++
			start = i + 1
		case c == '{':
			end := strings.IndexByte(t[i:], '}')
			if end < 0 {
				continue
			}
			flush(i)
			field(t[i+1 : i+end])
			i += end
			start = i + 1
		}
	}
	flush(len(t))
}

// templateSample is a name the template t formats to: each field written
// as 0.
func templateSample(t string) string {
	var b strings.Builder
	scanTemplate(t, func(s string) { b.WriteString(s) }, func(string) { b.WriteByte('0') })
	return b.String()
}

// templateHasField reports whether t holds a {field} (not an escaped brace).
func templateHasField(t string) bool {
	has := false
	scanTemplate(t, func(string) {}, func(string) { has = true })
	return has
}

// templateGlob turns the template t into a pattern for path.Match: each
// field becomes *, and the text is matched as itself (the characters that
// patterns give a meaning escaped with \).
func templateGlob(t string) string {
	var b strings.Builder
	scanTemplate(t, func(s string) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '*' || c == '?' || c == '[' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
	}, func(string) { b.WriteByte('*') })
	return b.String()
}

// numberText is what a template's field can format to: its fields are the
// epoch and metrics, written by engine.FormatTemplate as numbers in
// Python's format spec (digits, sign, point, exponent, grouping, '%',
// nan, inf and their upper case forms, padding; and NaN, +Inf as runs
// before Python's spelling wrote them), and the field's fill (fieldFill).
const numberText = `-+ 0-9.eEnNaAiIfF%,_`

// fieldFill is the fill character of a template's field ("epoch:x>5"),
// which pads its number; false: none but the space or 0.
func fieldFill(field string) (rune, bool) {
	_, spec, _ := strings.Cut(field, ":")
	r, n := utf8.DecodeRuneInString(spec)
	if n == 0 || n >= len(spec) || !strings.ContainsRune("<>^=", rune(spec[n])) {
		return 0, false
	}
	return r, true
}

// dotFillLeads reports whether the file name template base begins with a
// field whose fill is '.' before its number ("{epoch:.>5}" writes
// "....1"), which makes the names hidden.
func dotFillLeads(base string) bool {
	first, leads := true, false
	scanTemplate(base, func(string) { first = false }, func(field string) {
		if first {
			_, spec, _ := strings.Cut(field, ":")
			leads = len(spec) > 1 && spec[0] == '.' && strings.IndexByte(">^=", spec[1]) >= 0
		}
		first = false
	})
	return leads
}

// templateNames matches every name that the template t (slash-separated)
// can format to: t's own text, and numberText for each field.
func templateNames(t string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	scanTemplate(t, func(s string) { b.WriteString(regexp.QuoteMeta(s)) }, func(field string) {
		chars := numberText
		if r, ok := fieldFill(field); ok {
			if r < utf8.RuneSelf && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				chars += `\` // any ASCII punctuation, escaped, is itself in a class
			}
			chars += string(r)
		}
		b.WriteString("[" + chars + "]+")
	})
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// templateRefusal is engine.FormatTemplate's error for the template t
// without the template, which the caller names, and the fields, which it
// lists.
func templateRefusal(t string, err error) string {
	msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("template %q: ", t))
	msg, _, _ = strings.Cut(msg, " (have ")
	return msg
}

// outputNameLimit says why MaxOutputName is below MaxFileName.
var outputNameLimit = fmt.Sprintf("a file name holds %d bytes, and each file is written through a temporary name %d bytes longer", MaxFileName, engine.TemporaryNameExtra)

// templateLocal reports whether the names the checkpoint template t formats
// to are local paths below the run's folder (filepath.IsLocal). t is judged
// by a name it formats to, not by its own text: its fields ("{val_loss:.2f}")
// become numbers, which hold no separator and no ':', while Windows' IsLocal
// refuses every ':' in a path (drive letters, alternate data streams) and
// would refuse the default template, and so every run with checkpoints.
func templateLocal(t string) bool { return filepath.IsLocal(templateSample(t)) }

// checkTemplateFormats refuses a --checkpoint template t ("" for none) that
// cannot be formatted with the metrics an epoch logs (names: an unknown
// field such as Keras 1's {val_acc}, a bad format, an unclosed brace), or
// that names a file longer than a file system holds. Otherwise the
// template failed after the first epoch had trained, with --overwrite
// after the old run was removed.
// recorded: of a run recorded with it, which goes on with a template
// refused since as it ran (recordedtemplate.go).
func checkTemplateFormats(t string, names []string, recorded bool) error {
	if t == "" {
		return nil
	}
	logs := engine.Logs{}
	for _, n := range names {
		logs[n] = 0
	}
	format := engine.FormatTemplate
	if _, asBefore := templateAsBefore(t, names); recorded && asBefore {
		format = engine.FormatTemplateAsBefore
	}
	name, err := format(t, 1, logs)
	if err != nil {
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q: %s: its fields are epoch and %s, with a Python format such as {epoch:02d} or {val_loss:.2f}", t, templateRefusal(t, err), joinOr(names))}
	}
	// The first checkpoint's write failed with "file name too long" once
	// its epoch had trained.
	parts := strings.Split(filepath.ToSlash(name), "/")
	for _, part := range parts[:len(parts)-1] {
		if len(part) > MaxFileName {
			return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q names a folder of %d bytes or more, and a file name holds at most %d", t, len(part), MaxFileName)}
		}
	}
	if n := len(parts[len(parts)-1]); n > MaxOutputName {
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q names a file of %d bytes or more; a run writes names of at most %d: %s", t, n, MaxOutputName, outputNameLimit)}
	}
	return nil
}
