package engine

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// A val_loss of NaN or Inf (the epoch's last step diverged after its loss was
// read) is written as null and read back as NaN: encoding/json refuses NaN,
// which failed the save of the state and history.json at that epoch.
func TestHistoryJSONNonFinite(t *testing.T) {
	h := &History{}
	h.Append(0, Logs{"loss": 0.5, "val_loss": 0.25}, 1)
	h.Append(1, Logs{"loss": 0.4, "val_loss": math.NaN()}, 1)
	h.Append(2, Logs{"loss": 0.3, "val_loss": math.Inf(1)}, 1)
	var buf bytes.Buffer
	if err := h.WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if !strings.Contains(buf.String(), "null") {
		t.Fatalf("no null for the non-finite values:\n%s", buf.String())
	}
	back, err := ReadHistoryJSON("h", &buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.25, math.NaN(), math.NaN()}
	for i, w := range want {
		got := back.Logs[i]["val_loss"]
		if math.IsNaN(w) != math.IsNaN(got) || (!math.IsNaN(w) && got != w) {
			t.Errorf("epoch %d: val_loss %v, want %v", i, got, w)
		}
		if back.Logs[i]["loss"] != h.Logs[i]["loss"] {
			t.Errorf("epoch %d: loss %v, want %v", i, back.Logs[i]["loss"], h.Logs[i]["loss"])
		}
	}
}

// A history whose "seconds" list is not one time per epoch is refused
// naming the file: a resumed run's log read the time of an epoch that had
// none (an index out of range).
func TestHistoryJSONWithoutATimePerEpoch(t *testing.T) {
	for _, src := range []string{
		`{"epoch":[0,1],"history":{"loss":[0.5,0.4]},"seconds":[1]}`,
		`{"epoch":[0],"history":{"loss":[0.5]}}`,
		`{"epoch":[0],"history":{"loss":[0.5]},"seconds":[1,2]}`,
	} {
		_, err := ReadHistoryJSON("h.json", strings.NewReader(src))
		if err == nil || !strings.Contains(err.Error(), `h.json: `) || !strings.Contains(err.Error(), `times in "seconds"`) {
			t.Errorf("%s: err = %v", src, err)
		}
	}
}
