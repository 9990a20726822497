package engine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// savedState trains the "val_accuracy" resume case for two epochs in a new
// folder and returns the path of its state file.
func savedState(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	fitInto(t, resumeCaseNamed(t, "val_accuracy"), dir, 2, false)
	return filepath.Join(dir, stateName)
}

// flipBit flips bit `bit` of the first byte after the first occurrence of
// `after` in the file at path.
func flipBit(t *testing.T, path, after string, bit uint) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte(after))
	if i < 0 {
		t.Fatalf("%s holds no %q", path, after)
	}
	raw[i+len(after)] ^= 1 << bit
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// One flipped bit in a state's header (the learning rate 0.01 read as
// 0.81) is refused as corruption naming the file, as one in its data is.
func TestStateHeaderBitFlipIsRefused(t *testing.T) {
	path := savedState(t)
	flipBit(t, path, `\"lr\":0.`, 3) // '0' (0x30) → '8' (0x38)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err == nil {
		t.Fatalf("loaded a state whose header was changed (lr %v)", ck.Optimizer.LR)
	}
	for _, want := range []string{path, "checksum mismatch", "the file is corrupt"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// One flipped bit in the metadata of a weights file this engine wrote is
// refused naming the file.
func TestWeightsHeaderBitFlipIsRefused(t *testing.T) {
	c := resumeCaseNamed(t, "val_accuracy")
	r := newRun(t, c, t.TempDir())
	path := filepath.Join(r.dir, "w.safetensors")
	if err := r.model.SaveWeights(path, map[string]string{"note": "epoch 1"}); err != nil {
		t.Fatal(err)
	}
	flipBit(t, path, `"note":"epoch `, 1) // '1' → '3'
	if _, err := engine.ReadWeights(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "the file is corrupt") {
		t.Errorf("ReadWeights of a weights file with a changed header: %v", err)
	}
}

// readSafetensors reads the tensors and metadata of the file at path.
func readSafetensors(t testing.TB, path string) (map[string]engine.NamedTensor, map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta, err := engine.DecodeSafetensors(path, raw)
	if err != nil {
		t.Fatal(err)
	}
	return ts, meta
}

// rewriteState rewrites the state file at path as version 2 wrote it (a
// SHA-256 of the tensor data, none of the header), after edit has changed
// its state and callback metadata.
func rewriteState(t *testing.T, path string, edit func(state map[string]any, callbacks map[string]map[string]any)) {
	t.Helper()
	ts, meta := readSafetensors(t, path)
	var state map[string]any
	var cbs map[string]map[string]any
	if json.Unmarshal([]byte(meta["state"]), &state) != nil || json.Unmarshal([]byte(meta["callbacks"]), &cbs) != nil {
		t.Fatal("state metadata is not JSON")
	}
	state["version"] = 2
	edit(state, cbs)
	var tensors []engine.NamedTensor
	for _, tensor := range ts {
		tensors = append(tensors, tensor)
	}
	var data bytes.Buffer
	if err := engine.EncodeSafetensors(&data, tensors, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(dataOf(data.Bytes()))
	stateJSON, _ := json.Marshal(state)
	cbJSON, _ := json.Marshal(cbs)
	meta = map[string]string{"format": meta["format"], "state": string(stateJSON), "callbacks": string(cbJSON), "sha256": hex.EncodeToString(sum[:])}
	var out bytes.Buffer
	if err := engine.EncodeSafetensors(&out, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dataOf is the data section of a safetensors file.
func dataOf(raw []byte) []byte {
	n := uint64(raw[0]) | uint64(raw[1])<<8 | uint64(raw[2])<<16 | uint64(raw[3])<<24
	return raw[8+n:]
}

// A state written by version 2 (its checksum covers the data only) still
// loads and resumes bit for bit; a version 3 state without its checksum of
// the header is refused.
func TestStateOfVersion2Loads(t *testing.T) {
	c := resumeCaseNamed(t, "val_accuracy")
	whole := fitInto(t, c, t.TempDir(), 4, false)
	dir := t.TempDir()
	fitInto(t, c, dir, 2, false)
	path := filepath.Join(dir, stateName)
	rewriteState(t, path, func(map[string]any, map[string]map[string]any) {})
	compareRuns(t, whole, fitInto(t, c, dir, 4, true))

	rewriteState(t, path, func(state map[string]any, _ map[string]map[string]any) { state["version"] = 3 })
	if _, err := engine.LoadTrainCheckpoint(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "without its checksum") {
		t.Errorf("a version 3 state without the header's checksum: %v", err)
	}
}

// A loaded state is checked as a new run's settings are: a bad value is
// refused when the file is read, naming the file and the field, not an
// epoch later.
func TestLoadedStateIsValidated(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(state map[string]any, callbacks map[string]map[string]any)
		want string
	}{
		{"NaN callback value", func(_ map[string]any, cbs map[string]map[string]any) { cbs["early_stopping"]["best"] = "NaN" },
			"callback state early_stopping.best is NaN"},
		{"fractional wait", func(_ map[string]any, cbs map[string]map[string]any) { cbs["reduce_lr_on_plateau"]["wait"] = "1.5" },
			"callback state reduce_lr_on_plateau.wait is 1.5, not a count"},
		{"negative rate", func(state map[string]any, _ map[string]map[string]any) {
			state["optimizer"].(map[string]any)["lr"] = -0.01
		}, "optimizer lr is -0.01"},
		{"history without its times", func(state map[string]any, _ map[string]map[string]any) {
			state["history"].(map[string]any)["seconds"] = []any{}
		}, `2 epochs with 0 times in "seconds"`},
		{"step in an epoch without its sums", func(state map[string]any, _ map[string]map[string]any) { state["epoch_step"] = 3 },
			"epoch_step 3 without the epoch's running loss and accuracy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := savedState(t)
			rewriteState(t, path, c.edit)
			_, err := engine.LoadTrainCheckpoint(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %s and saying %q", err, path, c.want)
			}
		})
	}
}

// Bytes appended after a state's or a weights file's tensor data were
// ignored and the file loaded; both are refused naming the file, as the
// reference safetensors reader refuses a data buffer of another length.
func TestTrailingBytesAreRefused(t *testing.T) {
	state := savedState(t)
	weights := filepath.Join(filepath.Dir(state), "w.safetensors")
	r := newRun(t, resumeCaseNamed(t, "val_accuracy"), t.TempDir())
	if err := r.model.SaveWeights(weights, nil); err != nil {
		t.Fatal(err)
	}
	load := map[string]func(string) error{
		state:   func(p string) error { _, err := engine.LoadTrainCheckpoint(p); return err },
		weights: func(p string) error { _, err := engine.ReadWeights(p); return err },
	}
	for path, read := range load {
		if err := read(path); err != nil {
			t.Fatalf("%s as written: %v", path, err)
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte{0, 0, 128, 63})
		f.Close()
		if err := read(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "4 bytes after the tensors' data") {
			t.Errorf("%s with 4 trailing bytes: %v", path, err)
		}
	}
}
