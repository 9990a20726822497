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
	// Optional: the field is a pointer, nil while the setting is not given
	// (its default depends on other settings; see Config.Resolved).
	Optional bool
	// ResumeOK: may change when a run is resumed.
	ResumeOK bool
	// Machine: a setting of the machine a run is on, not of the run (the
	// device, TF32, threads, where the data is): its environment variable
	// applies to a resume and a --config rerun as a flag would, where any
	// other variable is a default that the recorded setting wins over.
	Machine bool
	// Clearable: "" is a value of its own, none (no activation replaced,
	// no initial weights, no schedule, the run's own final weights file),
	// which a flag beside --config may give to clear a recorded value.
	Clearable bool
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
			if sf.Tag.Get("flag") == "-" {
				continue // recorded, not set (DataConfig.SplitRule)
			}
			if sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx, js, prefix+js+".")
				continue
			}
			kind, optional := sf.Type.Kind(), sf.Type.Kind() == reflect.Pointer
			if optional {
				kind = sf.Type.Elem().Kind()
			}
			f := Field{Flag: sf.Tag.Get("flag"), Path: prefix + js, Group: group, Usage: sf.Tag.Get("usage"),
				Env: sf.Tag.Get("env"), Default: sf.Tag.Get("default"), Keras: sf.Tag.Get("keras"), Kind: kind, Optional: optional,
				ResumeOK: sf.Tag.Get("resume") == "ok", Machine: sf.Tag.Get("machine") == "yes", Clearable: sf.Tag.Get("clear") == "ok", StudyOK: sf.Tag.Get("study") != "no", index: idx}
			if f.Flag == "" || f.Usage == "" {
				panic(fmt.Sprintf("run: Config field %s has no flag or usage tag", f.Path))
			}
			if f.Machine && !f.ResumeOK {
				panic(fmt.Sprintf("run: Config field %s is a machine setting that a resume may not change", f.Path))
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
	var names, flags []string
	for _, f := range fields {
		for _, cand := range []string{f.Flag, f.Path, f.Keras} {
			if cand != "" {
				names, flags = append(names, cand), append(flags, f.Flag)
			}
		}
	}
	if i := closestIndex(name, names); i >= 0 {
		return flags[i]
	}
	return ""
}

// ClosestOf is the candidate nearest to name (as Closest measures it), or
// "": for a mistyped flag or command of any kind.
func ClosestOf(name string, candidates []string) string {
	if i := closestIndex(name, candidates); i >= 0 {
		return candidates[i]
	}
	return ""
}

func closestIndex(name string, candidates []string) int {
	norm := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	best, dist := -1, len(name)/3+1
	for i, cand := range candidates {
		if d := editDistance(norm, strings.ReplaceAll(cand, "-", "_")); d < dist {
			best, dist = i, d
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps
// of neighbours that turn a into b ("trian" is one from "train").
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
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
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func (c *Config) value(f Field) reflect.Value { return reflect.ValueOf(c).Elem().FieldByIndex(f.index) }

// given reports whether f holds a value: always, unless f is Optional and
// not given.
func (c *Config) given(f Field) bool { return !f.Optional || !c.value(f).IsNil() }

// store puts x (of f's Kind) into f. An Optional field gets a new pointer,
// never writing through the old one: Config values are copied freely (a
// probe, a study cell), and the copies share their pointers.
func (c *Config) store(f Field, x reflect.Value) {
	v := c.value(f)
	if f.Optional {
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(x.Convert(v.Type().Elem()))
		v.Set(p)
		return
	}
	v.Set(x.Convert(v.Type()))
}

// Get returns the field's value, or nil for an Optional one not given.
func (c *Config) Get(f Field) any {
	if !c.given(f) {
		return nil
	}
	return reflect.Indirect(c.value(f)).Interface()
}

// GetString returns the field's value as text that Set reads back ("" for
// an Optional one not given).
func (c *Config) GetString(f Field) string {
	if !c.given(f) {
		return ""
	}
	v := reflect.Indirect(c.value(f))
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
	bad := func(want string) error {
		return &ValueError{Flag: f.Flag, Msg: fmt.Sprintf("takes %s, got %q", want, value)}
	}
	var x any
	var err error
	switch f.Kind {
	case reflect.String:
		x = value
	case reflect.Bool:
		if x, err = strconv.ParseBool(value); err != nil {
			return bad("true or false")
		}
	case reflect.Int:
		var n int64
		if n, err = strconv.ParseInt(value, 10, 0); err != nil {
			return bad("an integer")
		}
		x = int(n)
	case reflect.Uint64:
		if x, err = strconv.ParseUint(value, 10, 64); err != nil {
			return bad("a non-negative integer")
		}
	case reflect.Float64:
		if x, err = strconv.ParseFloat(value, 64); err != nil {
			return bad("a number")
		}
	}
	c.store(f, reflect.ValueOf(x))
	return nil
}

// SetValue stores a typed value (as a flag library returns it) into f.
func (c *Config) SetValue(f Field, x any) error {
	xv := reflect.ValueOf(x)
	want := c.value(f).Type()
	if f.Optional {
		want = want.Elem()
	}
	if !xv.IsValid() || !xv.Type().ConvertibleTo(want) {
		return fmt.Errorf("setting %s: a %T cannot hold %s", f.Flag, x, f.Kind)
	}
	c.store(f, xv)
	return nil
}

// Diff lists the settings whose values differ, as "flag: a vs b", in table
// order.
func Diff(a, b Config) []string {
	var out []string
	for _, f := range fields {
		if x, y := a.describe(f), b.describe(f); x != y {
			out = append(out, fmt.Sprintf("%s: %s vs %s", f.Flag, x, y))
		}
	}
	return out
}

// DiffResolved is Diff of a and b as they run (Resolved): a setting one
// leaves to its default and the other gives at that value (Adam's lr 0.001)
// is no difference. A side that did not give the setting is described with
// the value it takes: "lr: not given (0.001) vs 0.01".
func DiffResolved(a, b Config) []string {
	ra, rb := a.Resolved(), b.Resolved()
	var out []string
	for _, f := range fields {
		if x, y := ra.describe(f), rb.describe(f); x != y {
			out = append(out, fmt.Sprintf("%s: %s vs %s", f.Flag, a.describeTaking(f, x), b.describeTaking(f, y)))
		}
	}
	return out
}

// describeTaking is f's value for a message, resolved the value c takes:
// "not given (0.001)" where c leaves it to its default.
func (c *Config) describeTaking(f Field, resolved string) string {
	if raw := c.describe(f); raw != resolved && (raw == "not given" || raw == `""`) {
		return "not given (" + resolved + ")"
	}
	return resolved
}

// describe is f's value for a message: "not given" for an Optional field
// without one, `""` for an empty text.
func (c *Config) describe(f Field) string {
	if !c.given(f) {
		return "not given"
	}
	return quoteEmpty(c.GetString(f))
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

// CopyField sets c's f to from's (an Optional one not given included): a
// study cell goes without a fixed setting that does not apply to it.
func (c *Config) CopyField(f Field, from Config) { c.value(f).Set(from.value(f)) }
