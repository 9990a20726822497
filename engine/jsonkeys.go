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
func checkDuplicateKeys(raw []byte) error { return checkJSON(raw, false) }

// CheckSettingsJSON refuses a settings file (a run's config, a study file,
// the config in a state file) that is not one JSON object, that names a key
// twice, or that holds a null anywhere: encoding/json leaves a field as it
// was for null, so `null` or {"model": null} would run the defaults the
// user did not ask for. Errors name the key.
func CheckSettingsJSON(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil // empty or malformed: the decoder says where
	}
	if tok != json.Delim('{') {
		found := "null"
		switch tok.(type) {
		case json.Delim:
			found = "an array"
		case string:
			found = "a string"
		case float64:
			found = "a number"
		case bool:
			found = "a boolean"
		}
		return fmt.Errorf("%s where a JSON object of settings is expected", found)
	}
	return checkJSON(raw, true)
}

// checkJSON walks the first JSON value in raw, refusing repeated keys and,
// with refuseNull, null values.
func checkJSON(raw []byte, refuseNull bool) error {
	type frame struct {
		object bool
		keys   map[string]string // objects: folded key → key as written
		key    string            // objects: the key whose value comes next ("" before one)
		index  int               // arrays: the next element's index
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stack []*frame
	// path names the value open at depth n, built only for an error (a
	// path kept per level would cost memory quadratic in the depth).
	path := func(n int) string {
		var b strings.Builder
		for _, f := range stack[:n] {
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
				where := path(len(stack) - 1)
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
		if tok == nil && refuseNull {
			if top == nil {
				return fmt.Errorf("null where a JSON object of settings is expected")
			}
			return fmt.Errorf("%q is null: give it a value or leave it out", path(len(stack)))
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
