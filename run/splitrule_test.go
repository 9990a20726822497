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

// A file given to --config that is no run's record is a new run's, and its
// stratified split is the current rule's whatever data keys it holds: a
// hand-written file with validation_split, split, shuffle and train_limit
// was taken for an earlier version's record and split by the earlier rule.
// A run's config.json (beside its state or result) without data.split_rule
// is still the earlier rule's, and a file that names a rule gets it.
func TestConfigFileOfANewRunSplitsByTheCurrentRule(t *testing.T) {
	const full = `{"validation_split": 0.2, "split": "stratified", "shuffle": true, "train_limit": 0`
	for _, c := range []struct {
		name, data, beside, rule string
	}{
		{"hand-written, every data key", full + `}`, "", SplitRuleShares},
		{"hand-written config.json in a folder of no run", full + `}`, "notes.txt", SplitRuleShares},
		{"hand-written, naming the earlier rule", full + `, "split_rule": "per_class_ceiling"}`, "", SplitRuleClassCeiling},
		{"hand-written, naming the current rule", full + `, "split_rule": "largest_remainder"}`, "", SplitRuleShares},
		{"a run's record beside its state", full + `}`, StateFile, SplitRuleClassCeiling},
		{"a run's record beside its result", full + `}`, ResultFile, SplitRuleClassCeiling},
		{"a run's record naming the current rule", full + `, "split_rule": "largest_remainder"}`, StateFile, SplitRuleShares},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "mine.json"
			if c.beside != "" {
				name = ConfigFile
				if err := os.WriteFile(filepath.Join(dir, c.beside), nil, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(`{"data": `+c.data+`}`), 0o666); err != nil {
				t.Fatal(err)
			}
			cfg, err := ReadConfigToRun(path)
			if err != nil {
				t.Fatal(err)
			}
			if cfg = cfg.Resolved(); cfg.Data.SplitRule != c.rule {
				t.Errorf("split_rule %q, want %q", cfg.Data.SplitRule, c.rule)
			}
		})
	}
}
