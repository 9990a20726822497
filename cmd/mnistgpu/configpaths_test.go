package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A relative path a hand-written --config file holds (its data folder,
// model file, output folder, initial and final weights) names a file from
// the file's folder, from any working directory; one a flag gives beside
// it is the working directory's. They were all read from the working
// directory: the file's "source": {"dir": "data"} beside it was "no such
// folder" unless the command ran where the file is. A run's own
// config.json holds absolute paths; an early version's, which held them as
// typed, beside its run's state, is still read from the working directory.
func TestConfigFilePathsAreTheFilesFolders(t *testing.T) {
	dir := t.TempDir()
	cfgDir, work := filepath.Join(dir, "cfg"), filepath.Join(dir, "work")
	writeSubset(t, filepath.Join(cfgDir, "data"), 300)
	os.MkdirAll(work, 0o755)
	os.WriteFile(filepath.Join(cfgDir, "net.json"), []byte(resumeModel), 0o644)
	write := func(name, text string) string {
		p := filepath.Join(cfgDir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	common := `"epochs": 1, "data": {"train_limit": 200}, "callbacks": {"checkpoint": ""}`
	hand := write("hand.json", `{"model": {"name": "net.json"}, "source": {"dir": "data", "no_verify": true},
		"output": {"dir": "out", "save_weights": "out/w.safetensors"}, `+common+`}`)
	if text, code := commandIn(t, work, "train", "--config", hand, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s", code, text)
	}
	recorded, err := run.ReadConfigFile(filepath.Join(cfgDir, "out", run.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if recorded.Source.Dir != filepath.Join(cfgDir, "data") || recorded.Model.Name != filepath.Join(cfgDir, "net.json") ||
		recorded.Output.SaveWeights != filepath.Join(cfgDir, "out", "w.safetensors") {
		t.Errorf("config.json records %+v, %+v, %+v", recorded.Source, recorded.Model, recorded.Output)
	}
	if _, err := os.Stat(filepath.Join(cfgDir, "out", "w.safetensors")); err != nil {
		t.Error(err)
	}

	// The file's initial weights are its folder's; the flags' paths the
	// working directory's.
	init := write("init.json", `{"model": {"name": "net.json", "init_weights": "out/w.safetensors"}, "source": {"dir": "data", "no_verify": true}, `+common+`}`)
	if text, code := commandIn(t, work, "train", "--config", init, "--out", "again", "--save-weights", "w2.safetensors", "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s", code, text)
	}
	for _, p := range []string{filepath.Join(work, "again", run.ResultFile), filepath.Join(work, "w2.safetensors")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if r, err := run.ReadConfigFile(filepath.Join(work, "again", run.ConfigFile)); err != nil || r.Model.InitWeights != filepath.Join(cfgDir, "out", "w.safetensors") {
		t.Errorf("the rerun's init_weights: %+v, %v", r.Model, err)
	}

	// A run's config.json as an early version wrote it, its data folder as
	// typed from the working directory the run started in.
	old := filepath.Join(work, "old")
	os.MkdirAll(old, 0o755)
	for _, f := range []string{run.StateFile, run.ConfigFile} {
		raw, _ := os.ReadFile(filepath.Join(cfgDir, "out", f))
		os.WriteFile(filepath.Join(old, f), raw, 0o644)
	}
	raw, _ := os.ReadFile(filepath.Join(old, run.ConfigFile))
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["source"].(map[string]any)["dir"] = filepath.Join("..", "cfg", "data")
	m["output"].(map[string]any)["save_weights"] = ""
	raw, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(old, run.ConfigFile), raw, 0o644)
	if text, code := commandIn(t, work, "train", "--config", filepath.Join(old, run.ConfigFile), "--out", "rerun", "--quiet"); code != 0 || !strings.Contains(text, "test accuracy") {
		t.Fatalf("the early record: exit %d\n%s", code, text)
	}
}

// A hand-written config file may hold "save_weights" (README): its first
// use writes them there. It was refused as a rerun that would write over
// the weights "its run wrote", which no run had written; once they are
// there, a second use is refused as a rerun's is, naming the file.
func TestHandWrittenConfigSavesWeights(t *testing.T) {
	dir := t.TempDir()
	data, err := filepath.Abs(small)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.json")
	spec, _ := json.Marshal(map[string]any{"epochs": 1, "model": map[string]any{"name": "mlp"}, "data": map[string]any{"train_limit": 200},
		"source": map[string]any{"dir": data, "no_verify": true}, "output": map[string]any{"save_weights": "w.safetensors"}})
	os.WriteFile(file, spec, 0o644)
	if _, stderr, code := output(t, "train", "--config", file, "--out", filepath.Join(dir, "first"), "--quiet"); code != 0 {
		t.Fatalf("a hand-written config's save_weights, first use: exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "w.safetensors")); err != nil {
		t.Errorf("the weights are not where the file says: %v", err)
	}
	_, stderr, code := output(t, "train", "--config", file, "--out", filepath.Join(dir, "second"), "--quiet")
	if code != 2 || !strings.Contains(stderr, "records --save-weights") {
		t.Errorf("a second use writing over the first's weights: exit %d, want 2 naming --save-weights:\n%s", code, stderr)
	}
}
