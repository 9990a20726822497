package run

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A state file's settings are read in each form a version wrote: the
// first versions' argument list, a bare Config, and a Config with the
// run's record beside it.
func TestDecodeStoredForms(t *testing.T) {
	legacy, err := decodeStored([]byte(`{"args": ["--lr=0.01", "--model=mlp"], "epochs": 4}`))
	if err != nil || legacy.Optimizer.LR == nil || *legacy.Optimizer.LR != 0.01 || legacy.Model.Name != "mlp" || legacy.Epochs != 4 || legacy.TrainedOn != nil {
		t.Errorf("legacy arguments: %+v, %v", legacy, err)
	}
	cfg := Default()
	cfg.Epochs = 7
	bare, _ := json.Marshal(cfg)
	s, err := decodeStored(bare)
	if err != nil || !reflect.DeepEqual(s.Config, cfg) || s.TrainedOn != nil || s.Sessions != nil {
		t.Errorf("a bare Config: %+v, %v", s, err)
	}
	p := DataPrint{Train: SetPrint{Count: 3, ImagesSHA256: "a", LabelsSHA256: "b"}, Training: 2, Validation: 1, ValidationSHA256: "c"}
	with, _ := json.Marshal(stored{Config: cfg, TrainedOn: &p, Sessions: []Session{{FirstEpoch: 1, Epochs: 7, Seconds: 2}}})
	s, err = decodeStored(with)
	if err != nil || !reflect.DeepEqual(s.Config, cfg) || *s.TrainedOn != p || len(s.Sessions) != 1 {
		t.Errorf("a Config with its record: %+v, %v", s, err)
	}
	if c, err := decodeConfig(with); err != nil || !reflect.DeepEqual(c, cfg) {
		t.Errorf("decodeConfig of a Config with its record: %v", err)
	}
	if _, err := decodeStored([]byte(`{"epochs": 2, "learning_rate": 0.1}`)); err == nil || !strings.Contains(err.Error(), "learning_rate") {
		t.Errorf("an unknown field: %v", err)
	}
}

// Differences names each way two data prints differ, and nothing for the
// same data.
func TestDataPrintDifferences(t *testing.T) {
	base := DataPrint{Train: SetPrint{2000, "img", "lab"}, Test: SetPrint{500, "timg", "tlab"}, Training: 1600, Validation: 400, ValidationSHA256: "val"}
	for _, c := range []struct {
		change func(*DataPrint)
		want   string
	}{
		{func(p *DataPrint) {}, ""},
		{func(p *DataPrint) { p.Train.Count = 60000 }, "training set of 2000 images there, 60000 here"},
		{func(p *DataPrint) { p.Train.LabelsSHA256 = "other" }, "training labels: SHA-256 lab… there, other… here"},
		{func(p *DataPrint) { p.Test.ImagesSHA256 = "other" }, "test images: SHA-256 timg… there, other… here"},
		{func(p *DataPrint) { p.Training, p.Validation = 48000, 12000 }, "split of 1600 training / 400 validation images there, 48000 / 12000 here"},
		{func(p *DataPrint) { p.ValidationSHA256 = "other" }, "validation set: SHA-256 val… there, other… here"},
	} {
		q := base
		c.change(&q)
		if got := strings.Join(base.Differences(q), "; "); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
