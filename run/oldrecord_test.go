package run

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandWrittenZeroIsNotADefault: a config file's lr 0 (or negative) was
// read as an earlier version's record and trained at Keras's rate; it is
// refused naming the file and the field. A weight decay of 0 written by
// hand is honoured, as --weight-decay 0 is, and a real earlier record (every
// optimizer key, no epsilon) still reads its 0s as the defaults.
func TestHandWrittenZeroIsNotADefault(t *testing.T) {
	dir := t.TempDir()
	write := func(src string) string {
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, []byte(src), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct{ src, want string }{
		{`{"optimizer":{"name":"adam","lr":0}}`, "optimizer.lr must be positive, got 0"},
		{`{"optimizer":{"name":"sgd","lr":-0.1}}`, "optimizer.lr must be positive, got -0.1"},
		{`{"optimizer":{"name":"adamw","lr":0,"weight_decay":0}}`, "optimizer.lr must be positive, got 0"},
		{`{"optimizer":{"name":"adam","momentum":0.9}}`, "optimizer.momentum applies only to --optimizer sgd"},
	} {
		p := write(c.src)
		_, err := ReadConfigFile(p)
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != "config" || !strings.Contains(err.Error(), p+": "+c.want) {
			t.Errorf("%s: err = %v, want a --config error naming %s and saying %q", c.src, err, p, c.want)
		}
	}
	cfg, err := ReadConfigFile(write(`{"optimizer":{"name":"adamw","weight_decay":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.Resolved().Optimizer; o.Describe() != "adamw lr=0.001 weight_decay=0 epsilon=1e-07" {
		t.Errorf("hand-written weight_decay 0: %s", o.Describe())
	}
	old := `{"optimizer":{"name":"adamw","lr":0,"momentum":0,"nesterov":false,"weight_decay":0,"lr_schedule":""}}`
	for _, read := range []func() (Config, error){
		func() (Config, error) { return ReadConfigFile(write(old)) },
		func() (Config, error) { return decodeConfig([]byte(old)) },
	} {
		cfg, err := read()
		if err != nil {
			t.Fatal(err)
		}
		if o := cfg.Resolved().Optimizer; o.Describe() != "adamw lr=0.001 weight_decay=0.004 epsilon=1e-07" {
			t.Errorf("an earlier version's record: %s", o.Describe())
		}
	}
}
