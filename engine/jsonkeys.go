package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// checkDuplicateKeys refuses JSON in which an object names a key twice.
// encoding/json keeps the last value of a repeated key and merges a
// repeated object into the first, and it matches keys to fields without
// regard to case, so {"layers": [...], "Layers": [...]} would load as one
// silently altered model; a file that says two things is refused instead,
// naming where. Keys are compared as encoding/json matches them (folded
// case). Syntax errors are left to the decoder, which reports them with
// their offset. The walk keeps its own stack, so deep nesting costs no
// recursion.
func checkDuplicateKeys(raw []byte) error {
	type frame struct {
		object bool
		keys   map[string]string // objects: folded key → key as written
		key    string            // objects: the key whose value comes next ("" before one)
		index  int               // arrays: the next element's index
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stack []*frame
	// path names the innermost open value, built only for an error (a path
	// kept per level would cost memory quadratic in the depth).
	path := func() string {
		var b strings.Builder
		for _, f := range stack[:len(stack)-1] {
			if f.object {
				b.WriteString("." + f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return strings.TrimPrefix(b.String(), ".")
	}
	// done records that the top frame's current value has been read.
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.key = ""
		} else {
			f.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // end of input, or a syntax error the decoder will report
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, ok := tok.(string); ok && top != nil && top.object && top.key == "" {
			fold := strings.ToLower(strings.ToUpper(k))
			if first, seen := top.keys[fold]; seen {
				where := path()
				if where == "" {
					where = "the top-level object"
				}
				if first == k {
					return fmt.Errorf("key %q appears twice in %s", k, where)
				}
				return fmt.Errorf("keys %q and %q in %s name the same field", first, k, where)
			}
			top.keys[fold], top.key = k, k
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			f := &frame{object: tok == json.Delim('{')}
			if f.object {
				f.keys = map[string]string{}
			}
			stack = append(stack, f)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
		if len(stack) == 0 {
			return nil // the first value is complete; what follows is the decoder's to refuse
		}
	}
}
