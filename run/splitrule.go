package run

import (
	"encoding/json"
	"fmt"
	"io"

	"mnistgpu/engine"
)

// How a stratified split counts the images it holds out is recorded beside
// --split (DataConfig.SplitRule), as data.split_rule, so that a run goes on
// with the images it trained on after the rule changed:
//
//	largest_remainder  the classes' shares of the total the tail and random
//	                   splits hold out (engine/stratify.go): new runs
//	per_class_ceiling  ⌈frac·n_c⌉ of each class, up to one per class more in
//	                   all: runs recorded before the rule was
//
// A record of a stratified split without data.split_rule is one of the
// earlier rule (recordedBeforeSplitRule). The rule is no setting: no flag
// or study axis names it, and a resume or a study compares settings
// without it, so the cells of a study recorded before go on as they ran.
const (
	SplitRuleShares       = "largest_remainder"
	SplitRuleClassCeiling = "per_class_ceiling"
)

// SplitMode is the engine's split mode for d: --split, with the rule its
// record gives a stratified one.
func (d DataConfig) SplitMode() string {
	if d.Split == engine.SplitStratified && d.SplitRule == SplitRuleClassCeiling {
		return engine.SplitStratifiedCeil
	}
	return d.Split
}

// resolveSplitRule records the rule of a stratified split (a new run's is
// the current one) and none for the other splits, which have no rule.
func (d *DataConfig) resolveSplitRule() {
	switch {
	case d.Split != engine.SplitStratified || d.ValidationSplit == 0:
		d.SplitRule = ""
	case d.SplitRule == "":
		d.SplitRule = SplitRuleShares
	}
}

// checkSplitRule refuses a data.split_rule that no version recorded (a
// config file written by hand).
func (d DataConfig) checkSplitRule() error {
	switch d.SplitRule {
	case "", SplitRuleShares, SplitRuleClassCeiling:
		return nil
	}
	return &ValueError{Flag: "config", Msg: fmt.Sprintf("data.split_rule must be %s or %s, got %q", SplitRuleShares, SplitRuleClassCeiling, d.SplitRule)}
}

// recordedBeforeSplitRule reports whether raw, a recorded Config's JSON,
// is of a version that wrote no data.split_rule: its "data" holds every
// other key a run records there (a config file written by hand with a few
// settings of its own is a new run's).
func recordedBeforeSplitRule(raw []byte) bool {
	var c struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return false
	}
	for _, k := range []string{"validation_split", "split", "shuffle", "train_limit"} {
		if _, ok := c.Data[k]; !ok {
			return false
		}
	}
	_, rule := c.Data["split_rule"]
	return !rule
}

// sayClassCeiling says, on log, that the run c splits by the earlier
// stratified rule: a resume, or a study's cell recorded so (recorded),
// goes on with it; a new run was given it by --config (data.split_rule,
// or a run's record without one that it reruns), and says just that.
func sayClassCeiling(c Config, log io.Writer, recorded bool) {
	if c.Data.SplitMode() != engine.SplitStratifiedCeil || c.Data.ValidationSplit == 0 {
		return
	}
	if recorded {
		fmt.Fprintf(log, "%s was recorded with --split stratified holding out ⌈%g × n⌉ of each class (data.split_rule %s, the rule before the classes shared the split's total): it splits as it did\n",
			c.Output.Dir, c.Data.ValidationSplit, SplitRuleClassCeiling)
		return
	}
	fmt.Fprintf(log, "--split stratified holds out ⌈%g × n⌉ of each class, the rule --config gives (data.split_rule %s)\n",
		c.Data.ValidationSplit, SplitRuleClassCeiling)
}
