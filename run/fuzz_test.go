package run

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// FuzzReadConfigFile: a config.json given to `train --config` gives settings
// that Validate and Estimate then weigh, or an error naming the file; never
// a panic, and never a model built before its size is weighed.
func FuzzReadConfigFile(f *testing.F) {
	raw, err := json.Marshal(Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"epochs": 3, "model": {"name": "mlp"}, "optimizer": {"name": "adam", "lr": 0.001}}`))
	f.Add([]byte(`{"args": ["--lr=0.01", "--model=mlp"], "epochs": 2}`))
	f.Add([]byte(`{"batch_size": 1000000000, "epochs": 9223372036854775807}`))
	path := filepath.Join(f.TempDir(), "config.json") // one worker's inputs run one at a time
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o666); err != nil {
			t.Fatal(err)
		}
		cfg, err := ReadConfigFile(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if cfg.Validate() != nil {
			return
		}
		cfg.Estimate()
	})
}

// stateFile is a state file's bytes as Train writes them, its settings
// (the "config" of its state metadata) config.
func stateFile(t testing.TB, config []byte) []byte {
	state, err := json.Marshal(map[string]json.RawMessage{"config": config})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ts := []engine.NamedTensor{{Name: "weights", Shape: []int{2}, Data: []float32{1, 2}}}
	if err := engine.EncodeSafetensors(&buf, ts, map[string]string{"format": "mnistgpu-train-state", "state": string(state)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzRecordedState: the settings, data print and network read from a
// state file's header (CheckData, CheckConfigNetwork) are an error or a
// record whose network compares with a model's; never a panic, and never an
// allocation of the size the header claims beyond the file.
func FuzzRecordedState(f *testing.F) {
	m, err := BuildModel("mlp", "")
	if err != nil {
		f.Fatal(err)
	}
	spec := m.Spec()
	config, err := json.Marshal(stored{Config: Default(), TrainedOn: &DataPrint{Training: 48000}, Sessions: []Session{{FirstEpoch: 1, Epochs: 2}}, Network: &spec})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stateFile(f, config))
	f.Add(stateFile(f, []byte(`{"model_spec": {"input_shape": [28, 28, 1], "layers": [{"type": "Dense", "units": 1000000000}]}}`)))
	f.Add([]byte{0xff, 0xff, 0xff, 0x03, 0, 0, 0, 0, '{'})
	path := filepath.Join(f.TempDir(), StateFile)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o666); err != nil {
			t.Fatal(err)
		}
		s, err := recordedState(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if s.Network != nil {
			s.Network.ArchitectureDiff(spec)
		}
	})
}
