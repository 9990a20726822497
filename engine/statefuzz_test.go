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

// FuzzStateMetadata: the JSON a state file carries beside its tensors (the
// run's state, the callbacks' state, the history in it) is checked when the
// file is read or when the run continues from it; whatever it holds, a
// resume of one epoch ends in an error or a trained epoch, never a panic.
// The files are written as version 2 wrote them (a checksum of the data
// alone), which the fuzzer can keep valid.
func FuzzStateMetadata(f *testing.F) {
	seed := savedState(f)
	ts, meta := readSafetensors(f, seed)
	ck, err := engine.LoadTrainCheckpoint(seed)
	if err != nil {
		f.Fatal(err)
	}
	state := strings.Replace(meta["state"], `"version":3`, `"version":2`, 1)
	asSaved, savedHistory := state, []byte(ck.History)
	f.Add([]byte(state), []byte(meta["callbacks"]), savedHistory)
	f.Add([]byte(state), []byte(`{"early_stopping":{"best":"-Inf","wait":"1e300"}}`), []byte(ck.History))
	f.Add([]byte(strings.Replace(state, `"next_epoch":2`, `"next_epoch":1`, 1)), []byte(meta["callbacks"]),
		[]byte(`{"epoch":[7],"history":{"val_accuracy":[0.5]},"seconds":[1]}`))
	var tensors []engine.NamedTensor
	for _, t := range ts {
		tensors = append(tensors, t)
	}
	var data bytes.Buffer
	if err := engine.EncodeSafetensors(&data, tensors, nil); err != nil {
		f.Fatal(err)
	}
	sum := sha256.Sum256(dataOf(data.Bytes()))
	c := resumeCaseNamed(f, "val_accuracy")
	f.Fuzz(func(t *testing.T, state, callbacks, history []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, stateName)
		m := map[string]string{"format": meta["format"], "state": string(state), "callbacks": string(callbacks),
			"sha256": hex.EncodeToString(sum[:])}
		// The history is a JSON value inside the state's: set apart, the
		// fuzzer varies it whole.
		var obj map[string]json.RawMessage
		if json.Unmarshal(state, &obj) == nil && obj != nil && json.Valid(history) {
			obj["history"] = history
			if b, err := json.Marshal(obj); err == nil {
				m["state"] = string(b)
			}
		}
		var out bytes.Buffer
		if err := engine.EncodeSafetensors(&out, tensors, m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := engine.LoadTrainCheckpoint(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if ck.NextEpoch > 50 {
			return // Fit refuses a history of another length before it trains
		}
		train, val := resumeData(t)
		r := newRun(t, c, dir)
		next := filepath.Join(dir, "next.safetensors")
		_, err = engine.Fit(r.model, r.opt, train, val, engine.FitConfig{Epochs: ck.NextEpoch + 1, BatchSize: 16, Seed: 3,
			Callbacks: r.callbacks, Resume: ck, AfterEpoch: func(ck *engine.TrainCheckpoint) error {
				if err := ck.Save(next); err != nil {
					return err
				}
				// What a resumed run saves, the next resume reads.
				if _, err := engine.LoadTrainCheckpoint(next); err != nil {
					t.Fatalf("a resumed run saved a state it cannot read: %v", err)
				}
				return nil
			}})
		// An error is the end of most inputs, but the state as saved resumes.
		if err != nil && bytes.Equal(state, []byte(asSaved)) && bytes.Equal(callbacks, []byte(meta["callbacks"])) && bytes.Equal(history, savedHistory) {
			t.Fatalf("the saved state does not resume: %v", err)
		}
	})
}
