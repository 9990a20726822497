package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// stratified trains an mlp on 300 images with --split stratified at 0.2
// into dir/out for epochs, with extra flags.
func stratified(t *testing.T, dir, out, epochs string, extra ...string) string {
	t.Helper()
	args := append([]string{"train", "--model", "mlp", "--epochs", epochs, "--train-limit", "300", "--split", "stratified", "--seed", "3",
		"--out", filepath.Join(dir, out)}, extra...)
	_, stderr, code := output(t, append(args, smallData...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return stderr
}

// recorded is the run's record of its split: the state's data.split_rule
// and validation images.
func recorded(t *testing.T, dir string) (rule string, validation int) {
	t.Helper()
	ck, err := engine.LoadTrainCheckpoint(filepath.Join(dir, run.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Data struct {
			Rule string `json:"split_rule"`
		} `json:"data"`
		TrainedOn struct {
			Validation int `json:"validation_images"`
		} `json:"trained_on"`
	}
	if err := json.Unmarshal(ck.Config, &s); err != nil {
		t.Fatal(err)
	}
	return s.Data.Rule, s.TrainedOn.Validation
}

// A new stratified run holds out the tail split's 60 of 300 images,
// records its rule, and a resume of it ends with the weights of the run
// trained without a stop, bit for bit.
func TestStratifiedRunRecordsItsRuleAndResumes(t *testing.T) {
	dir := t.TempDir()
	stratified(t, dir, "whole", "2")
	stratified(t, dir, "cut", "1")
	if rule, val := recorded(t, filepath.Join(dir, "cut")); rule != run.SplitRuleShares || val != 60 {
		t.Fatalf("recorded split_rule %q, %d validation images; want %s, 60", rule, val, run.SplitRuleShares)
	}
	if _, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "cut"), "--epochs", "2", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "cut", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed run ends with other weights than the run trained without a stop")
	}
}

// A run recorded before data.split_rule (its record has none) held out
// ⌈0.2·n_c⌉ of each class; its resume and a --config rerun of it split so
// still, and end with the weights of its rule trained without a stop.
func TestStratifiedRunOfAnEarlierVersionGoesOn(t *testing.T) {
	dir := t.TempDir()
	// The earlier rule, as a config file may still name it.
	file := filepath.Join(dir, "ceil.json")
	if err := os.WriteFile(file, []byte(`{"data": {"validation_split": 0.2, "split": "stratified", "split_rule": "per_class_ceiling"}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	stratified(t, dir, "whole", "2", "--config", file)
	stratified(t, dir, "old", "1", "--config", file)
	rule, val := recorded(t, filepath.Join(dir, "old"))
	if rule != run.SplitRuleClassCeiling || val <= 60 {
		t.Fatalf("recorded split_rule %q, %d validation images; want %s, more than 60", rule, val, run.SplitRuleClassCeiling)
	}
	// The record as an earlier version wrote it: no split_rule.
	state := filepath.Join(dir, "old", run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(state)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(raw []byte) []byte {
		var cfg map[string]any
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatal(err)
		}
		delete(cfg["data"].(map[string]any), "split_rule")
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ck.Config = strip(ck.Config)
	if err := ck.Save(state); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "old", run.ConfigFile)
	if err := os.WriteFile(config, strip(mustRead(t, config)), 0o666); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2")
	if code != 0 || !strings.Contains(stderr, "holding out ⌈0.2 × n⌉ of each class") {
		t.Fatalf("resume: exit %d, want it to say it splits as it did: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "old", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed run ends with other weights than its rule trained without a stop")
	}
	if _, v := recorded(t, filepath.Join(dir, "old")); v != val {
		t.Errorf("the resumed run records %d validation images, %d before", v, val)
	}
	// Its config.json as the earlier version wrote it reruns the run.
	args := append([]string{"train", "--config", config, "--out", filepath.Join(dir, "rerun")}, smallData...)
	if _, stderr, code := output(t, args...); code != 0 {
		t.Fatalf("--config rerun: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "rerun", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the --config rerun ends with other weights than the run it reruns")
	}
}

// A study's cell recorded before data.split_rule goes on as it ran when
// the study continues it: its resume splits by the earlier rule and ends
// with that rule's weights.
func TestStudyCellOfAnEarlierStratifiedRuleGoesOn(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	if err := os.WriteFile(spec, []byte(`{"name":"s","axes":[],"seeds":[3],"fixed":{"model":"mlp","train-limit":"300","split":"stratified"}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	study := func(epochs string) {
		t.Helper()
		if _, stderr, code := output(t, "study", "run", spec, "--epochs", epochs, "--out", filepath.Join(dir, "s"), "--data-dir", small, "--no-verify"); code != 0 {
			t.Fatalf("study run --epochs %s: exit %d: %s", epochs, code, stderr)
		}
	}
	study("1")
	cell := filepath.Join(dir, "s", "cells", "seed=3")
	if rule, val := recorded(t, cell); rule != run.SplitRuleShares || val != 60 {
		t.Fatalf("the cell records split_rule %q, %d validation images; want %s, 60", rule, val, run.SplitRuleShares)
	}
	// The cell as an earlier version trained it: the earlier rule, recorded
	// without split_rule.
	file := filepath.Join(dir, "ceil.json")
	if err := os.WriteFile(file, []byte(`{"data": {"validation_split": 0.2, "split": "stratified", "split_rule": "per_class_ceiling"}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	stratified(t, dir, "whole", "2", "--config", file)
	// Trained beside the study and put in its cell's place: `train --out`
	// into a study's cell is refused (TestTrainOutIntoAStudysCellIsRefused).
	stratified(t, dir, "earlier", "1", "--config", file)
	if err := os.RemoveAll(cell); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "earlier"), cell); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(cell, run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(state)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(raw []byte) []byte {
		var cfg map[string]any
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatal(err)
		}
		delete(cfg["data"].(map[string]any), "split_rule")
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ck.Config = strip(ck.Config)
	if err := ck.Save(state); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(cell, run.ConfigFile)
	if err := os.WriteFile(config, strip(mustRead(t, config)), 0o666); err != nil {
		t.Fatal(err)
	}
	study("2")
	if _, val := recorded(t, cell); val <= 60 {
		t.Errorf("the continued cell records %d validation images, want the earlier rule's, more than 60", val)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(cell, run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the continued cell ends with other weights than its rule trained without a stop")
	}
}

// A fraction that the classes cannot give while each keeps an image for
// training is refused before the run's folder is made, naming the counts.
func TestStratifiedSplitBeyondTheClassesIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "30", "--validation-split", "0.9", "--split", "stratified", "--out", out}, smallData...)
	_, stderr, code := output(t, args...)
	if code != 2 || !strings.Contains(stderr, "--validation-split 0.9 of 30 samples: ") || !strings.Contains(stderr, "the stratified split would hold out 28, but its 10 classes allow at most 21") {
		t.Errorf("exit %d, want 2 naming the counts: %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run left its folder: %v", err)
	}
}

// A new run splits by the earlier rule only when --config gives it (its
// data.split_rule, or a run's record without one): it says what it does,
// not that it "was recorded" with the rule "before" the classes shared the
// total, as a resume of such a run says. A new run by the current rule
// says nothing of rules.
func TestNewStratifiedRunSaysWhatItDoes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ceil.json")
	if err := os.WriteFile(file, []byte(`{"data": {"validation_split": 0.2, "split": "stratified", "split_rule": "per_class_ceiling"}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	said := stratified(t, dir, "old", "1", "--config", file)
	if !strings.Contains(said, "--split stratified holds out ⌈0.2 × n⌉ of each class, the rule --config gives (data.split_rule per_class_ceiling)") ||
		strings.Contains(said, "recorded") || strings.Contains(said, "before") || strings.Contains(said, "as it did") {
		t.Errorf("a new run given the per-class ceiling by --config says:\n%s", said)
	}
	rerun := stratified(t, dir, "rerun", "1", "--config", filepath.Join(dir, "old", run.ConfigFile))
	if !strings.Contains(rerun, "the rule --config gives (data.split_rule per_class_ceiling)") || strings.Contains(rerun, "recorded") {
		t.Errorf("a new run of a recorded run's config.json says:\n%s", rerun)
	}
	_, resumed, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2", "--quiet")
	if code != 0 || !strings.Contains(resumed, filepath.Join(dir, "old")+" was recorded with --split stratified holding out ⌈0.2 × n⌉ of each class (data.split_rule per_class_ceiling, the rule before the classes shared the split's total): it splits as it did") {
		t.Errorf("resume: exit %d, want it to say the run splits as it did:\n%s", code, resumed)
	}
	if fresh := stratified(t, dir, "new", "1"); strings.Contains(fresh, "split_rule") || strings.Contains(fresh, "ceiling") || strings.Contains(fresh, "⌈") {
		t.Errorf("a new run by the current rule speaks of rules:\n%s", fresh)
	}
}

// A config file written by hand for a new run, holding every data key a
// run records (validation_split, split, shuffle, train_limit) but no
// split_rule, trains with the current rule: it was taken for an earlier
// version's record and held out ⌈0.2·n_c⌉ of each class, saying
// "the rule --config gives".
func TestHandWrittenConfigSplitsByTheCurrentRule(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.json")
	if err := os.WriteFile(file, []byte(`{"data": {"validation_split": 0.2, "split": "stratified", "shuffle": true, "train_limit": 300}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	stderr := stratified(t, dir, "new", "1", "--config", file)
	if strings.Contains(stderr, "⌈") {
		t.Errorf("the new run says it splits by the earlier rule: %s", stderr)
	}
	if rule, val := recorded(t, filepath.Join(dir, "new")); rule != run.SplitRuleShares || val != 60 {
		t.Errorf("recorded split_rule %q, %d validation images; want %s, 60", rule, val, run.SplitRuleShares)
	}
}
