package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// A config file's stratified split without data.split_rule is one of the
// earlier rule when its "data" holds every key a run records there (a
// record of an earlier version); a file written by hand with a few
// settings of its own is a new run's, and the other splits have no rule.
func TestRecordedSplitRule(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ data, mode, rule string }{
		{`{"validation_split": 0.2, "split": "stratified", "shuffle": true, "train_limit": 0}`, engine.SplitStratifiedCeil, SplitRuleClassCeiling},
		{`{"validation_split": 0.2, "split": "stratified", "shuffle": true, "train_limit": 0, "split_rule": "largest_remainder"}`, engine.SplitStratified, SplitRuleShares},
		{`{"split": "stratified"}`, engine.SplitStratified, SplitRuleShares},
		{`{"validation_split": 0.2, "split": "random", "shuffle": true, "train_limit": 0}`, engine.SplitRandom, ""},
		{`{"validation_split": 0.2, "split": "tail", "shuffle": true, "train_limit": 0, "split_rule": "per_class_ceiling"}`, engine.SplitTail, ""},
	} {
		path := filepath.Join(dir, "c.json")
		if err := os.WriteFile(path, []byte(`{"data": `+c.data+`}`), 0o666); err != nil {
			t.Fatal(err)
		}
		cfg, err := ReadConfigFile(path)
		if err != nil {
			t.Fatalf("%s: %v", c.data, err)
		}
		cfg = cfg.Resolved()
		if cfg.Data.SplitMode() != c.mode || cfg.Data.SplitRule != c.rule {
			t.Errorf("%s: split %q, rule %q; want %q, %q", c.data, cfg.Data.SplitMode(), cfg.Data.SplitRule, c.mode, c.rule)
		}
	}
	cfg := Default()
	cfg.Data.Split, cfg.Data.SplitRule = engine.SplitStratified, "ceiling"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `data.split_rule must be largest_remainder or per_class_ceiling, got "ceiling"`) {
		t.Errorf("an unknown split_rule: %v", err)
	}
}
