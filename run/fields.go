package run

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Field is one setting of Config, read from its struct tags: the one table
// that flags, study axes and resume checks all use.
type Field struct {
	Flag    string // flag name, e.g. "batch-size"; also a study axis name
	Path    string // JSON path, e.g. "optimizer.lr"; accepted as an axis name too
	Group   string // the Config field it lives in ("model", "device", ...; "run" at the top)
	Usage   string
	Env     string       // environment variable giving the flag's default ("" none)
	Default string       // text for --help when the zero value means "decided later"
	Keras   string       // Keras's name for it, offered when a name is not found
	Kind    reflect.Kind // String, Bool, Int, Uint64 or Float64
	// ResumeOK: may change when a run is resumed.
	ResumeOK bool
	// StudyOK: a study may set it (the output folder is the study's).
	StudyOK bool
	index   []int
}

var fields = collect()

// Fields lists every setting in declaration order.
func Fields() []Field { return fields }

func collect() []Field {
	var out []Field
	var walk func(t reflect.Type, index []int, group, prefix string)
	walk = func(t reflect.Type, index []int, group, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			js := strings.Split(sf.Tag.Get("json"), ",")[0]
			idx := append(append([]int(nil), index...), i)
			if sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx, js, prefix+js+".")
				continue
			}
			f := Field{Flag: sf.Tag.Get("flag"), Path: prefix + js, Group: group, Usage: sf.Tag.Get("usage"),
				Env: sf.Tag.Get("env"), Default: sf.Tag.Get("default"), Keras: sf.Tag.Get("keras"), Kind: sf.Type.Kind(),
				ResumeOK: sf.Tag.Get("resume") == "ok", StudyOK: sf.Tag.Get("study") != "no", index: idx}
			if f.Flag == "" || f.Usage == "" {
				panic(fmt.Sprintf("run: Config field %s has no flag or usage tag", f.Path))
			}
			switch f.Kind {
			case reflect.String, reflect.Bool, reflect.Int, reflect.Uint64, reflect.Float64:
			default:
				panic(fmt.Sprintf("run: Config field %s has unsupported kind %s", f.Path, f.Kind))
			}
			out = append(out, f)
		}
	}
	walk(reflect.TypeOf(Config{}), nil, "run", "")
	return out
}

// Lookup finds a field by flag name or JSON path.
func Lookup(name string) (Field, bool) {
	for _, f := range fields {
		if f.Flag == name || f.Path == name {
			return f, true
		}
	}
	return Field{}, false
}

// UnknownError is a setting name that is not a field of Config.
type UnknownError struct{ Name, Closest string }

func (e *UnknownError) Error() string {
	if e.Closest != "" {
		return fmt.Sprintf("unknown setting %q (did you mean %q?)", e.Name, e.Closest)
	}
	return fmt.Sprintf("unknown setting %q", e.Name)
}

// lookupOrSuggest is Lookup with an error that names the closest flag.
func lookupOrSuggest(name string) (Field, error) {
	if f, ok := Lookup(name); ok {
		return f, nil
	}
	return Field{}, &UnknownError{Name: name, Closest: Closest(name)}
}

// Closest is the flag name nearest to name (edit distance to the flag, its
// JSON path or its Keras name, at most a third of the name's length), or "".
func Closest(name string) string {
	norm := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	best, dist := "", len(name)/3+1
	for _, f := range fields {
		for _, cand := range []string{f.Flag, f.Path, f.Keras} {
			if cand == "" {
				continue
			}
			if d := editDistance(norm, strings.ReplaceAll(cand, "-", "_")); d < dist {
				best, dist = f.Flag, d
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (c *Config) value(f Field) reflect.Value { return reflect.ValueOf(c).Elem().FieldByIndex(f.index) }

// Get returns the field's value.
func (c *Config) Get(f Field) any { return c.value(f).Interface() }

// GetString returns the field's value as text that Set reads back.
func (c *Config) GetString(f Field) string {
	v := c.value(f)
	switch f.Kind {
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		return fmt.Sprint(v.Interface())
	}
}

// Set parses value into the setting named by a flag name or JSON path.
func (c *Config) Set(name, value string) error {
	f, err := lookupOrSuggest(name)
	if err != nil {
		return err
	}
	return c.SetField(f, value)
}

// SetField parses value into f.
func (c *Config) SetField(f Field, value string) error {
	v := c.value(f)
	bad := func(want string) error {
		return &ValueError{Flag: f.Flag, Msg: fmt.Sprintf("takes %s, got %q", want, value)}
	}
	switch f.Kind {
	case reflect.String:
		v.SetString(value)
	case reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return bad("true or false")
		}
		v.SetBool(b)
	case reflect.Int:
		n, err := strconv.ParseInt(value, 10, 0)
		if err != nil {
			return bad("an integer")
		}
		v.SetInt(n)
	case reflect.Uint64:
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return bad("a non-negative integer")
		}
		v.SetUint(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return bad("a number")
		}
		v.SetFloat(x)
	}
	return nil
}

// SetValue stores a typed value (as a flag library returns it) into f.
func (c *Config) SetValue(f Field, x any) error {
	v := c.value(f)
	xv := reflect.ValueOf(x)
	if !xv.IsValid() || !xv.Type().ConvertibleTo(v.Type()) {
		return fmt.Errorf("setting %s: a %T cannot hold %s", f.Flag, x, f.Kind)
	}
	v.Set(xv.Convert(v.Type()))
	return nil
}

// Diff lists the settings whose values differ, as "flag: a vs b", in table
// order.
func Diff(a, b Config) []string {
	var out []string
	for _, f := range fields {
		if x, y := a.GetString(f), b.GetString(f); x != y {
			out = append(out, fmt.Sprintf("%s: %s vs %s", f.Flag, quoteEmpty(x), quoteEmpty(y)))
		}
	}
	return out
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// FlagNames lists every flag name, sorted (for messages).
func FlagNames() []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Flag
	}
	sort.Strings(names)
	return names
}
