package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// A val_loss of NaN or ±Inf (the epoch's last step diverged after its loss
// was read) is written as JSON can hold it, NaN as null and an infinity as
// "Infinity" or "-Infinity", and read back as it was: encoding/json refuses
// both, which failed the save of the state and history.json at that epoch,
// and an infinity written as null came back NaN, so history.csv said nan
// where it had said inf. A file of before (null for an infinity) reads as
// it did; a value of another kind is refused naming the file.
func TestHistoryJSONNonFinite(t *testing.T) {
	h := &History{}
	h.Append(0, Logs{"loss": 0.5, "val_loss": 0.25}, 1)
	h.Append(1, Logs{"loss": 0.4, "val_loss": math.NaN()}, 1)
	h.Append(2, Logs{"loss": 0.3, "val_loss": math.Inf(1)}, 1)
	h.Append(3, Logs{"loss": 0.2, "val_loss": math.Inf(-1)}, 1)
	var buf bytes.Buffer
	if err := h.WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var generic map[string]any // plain JSON, as Python's json and jq read it
	if err := json.Unmarshal(buf.Bytes(), &generic); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if got := fmt.Sprint(generic["history"].(map[string]any)["val_loss"]); got != "[0.25 <nil> Infinity -Infinity]" {
		t.Errorf("val_loss written as %s", got)
	}
	back, err := ReadHistoryJSON("h", &buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range h.Logs {
		for _, k := range []string{"loss", "val_loss"} {
			if got, w := back.Logs[i][k], h.Logs[i][k]; got != w && !(math.IsNaN(w) && math.IsNaN(got)) {
				t.Errorf("epoch %d: %s %v, want %v", i, k, got, w)
			}
		}
	}
	var csv bytes.Buffer
	back.WriteCSV(&csv)
	if !strings.Contains(csv.String(), "2,0.3,inf\n") || !strings.Contains(csv.String(), "3,0.2,-inf\n") || !strings.Contains(csv.String(), "1,0.4,nan\n") {
		t.Errorf("history.csv after the round trip:\n%s", csv.String())
	}
	old, err := ReadHistoryJSON("old.json", strings.NewReader(`{"epoch":[0],"history":{"val_loss":[null]},"seconds":[1]}`))
	if err != nil || !math.IsNaN(old.Logs[0]["val_loss"]) {
		t.Errorf("an earlier version's null: %v, %v", old, err)
	}
	for _, v := range []string{`"inf"`, `"NaN"`, `true`} {
		_, err := ReadHistoryJSON("h.json", strings.NewReader(`{"epoch":[0],"history":{"val_loss":[`+v+`]},"seconds":[1]}`))
		if err == nil || !strings.Contains(err.Error(), "h.json: ") || !strings.Contains(err.Error(), `is not a number, null, "Infinity" or "-Infinity"`) {
			t.Errorf("val_loss %s: %v", v, err)
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
