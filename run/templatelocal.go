package run

import (
	"path/filepath"
	"strings"
)

// templateLocal reports whether the names the checkpoint template t formats
// to are local paths below the run's folder (filepath.IsLocal). t is judged
// by a name it formats to, not by its own text: its fields ("{val_loss:.2f}")
// become numbers, which hold no separator and no ':', while Windows' IsLocal
// refuses every ':' in a path (drive letters, alternate data streams) and
// would refuse the default template, and so every run with checkpoints.
func templateLocal(t string) bool { return filepath.IsLocal(templateSample(t)) }

// templateSample is a name the template t formats to: each {field:format}
// written as 0, {{ and }} as their brace.
func templateSample(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case (c == '{' || c == '}') && i+1 < len(t) && t[i+1] == c:
			b.WriteByte(c)
			i++
		case c == '{' && strings.IndexByte(t[i:], '}') > 0:
			b.WriteByte('0')
			i += strings.IndexByte(t[i:], '}')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// templateHasField reports whether t holds a {field} (not an escaped brace),
// read as templateSample reads it.
func templateHasField(t string) bool {
	return templateSample(t) != strings.NewReplacer("{{", "{", "}}", "}").Replace(t)
}
