package study

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"mnistgpu/engine"
)

// ResultsCSV is the study's table of cells, one row per cell with a result
// (in grid order), for a program to read (pandas.read_csv as is): a header
// row, then plain comma-separated values, a value that is not there (a
// threshold never reached, no best checkpoint, no timing on a simulated
// device) an empty field.
const ResultsCSV = "results.csv"

// resultColumns follow the axes and the seed. Their names end in what they
// measure, so that none is an axis's name (a setting's flag).
var resultColumns = []string{
	"status",                // finished, diverged (a NaN loss ended it), longer_than_study (LongerStatus) or history_unreadable (NoHistoryStatus)
	"epochs_trained",        // epochs in the history: whole ones (run/cutepoch.go)
	"best_val_accuracy",     // the highest val_accuracy of the history
	"best_test_accuracy",    // test accuracy of the best checkpoint (--save-best-only)
	"final_test_accuracy",   // test accuracy of the final weights
	"epochs_to_val_acc_98",  // first epoch (1-based) with val_accuracy ≥ 0.98
	"seconds_to_val_acc_98", // training seconds to the end of that epoch
	"epochs_to_val_acc_99",
	"seconds_to_val_acc_99",
	"seconds_trained", // in training, all sessions together
}

// WriteResultsCSV writes the results.csv of the study in dir from its
// cells' results and histories, holding the study folder's lock from the
// reading to the writing (see lockStudy), waiting for it (said on log)
// while another process holds it.
func WriteResultsCSV(dir string, log io.Writer) error {
	lock, err := lockStudy(dir, "written", log)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return writeResultsCSV(dir, log)
}

// beforeStudyWrite, when set (by tests), is called by the writers of the
// study's own files between reading the cells and writing the file.
var beforeStudyWrite func(dir, file string)

// writeResultsCSV is WriteResultsCSV for a caller that holds dir's lock.
// A cell trained past the study's epochs is said on log: complete to the
// study, it is no result of the study's (LongerCell).
func writeResultsCSV(dir string, log io.Writer) error {
	f, cells, err := LoadResults(dir)
	if err != nil {
		return err
	}
	if beforeStudyWrite != nil {
		beforeStudyWrite(dir, ResultsCSV)
	}
	err = engine.WriteFileAtomic(filepath.Join(dir, ResultsCSV), func(w io.Writer) error {
		return writeResultsTable(w, f, cells)
	})
	if err != nil {
		return err
	}
	if log == nil {
		return nil
	}
	kept, noHist := withHistory(cells)
	if _, _, long := currentCells(f, kept); len(long) > 0 {
		fmt.Fprintln(log, longerCSVLine(long))
	}
	if len(noHist) > 0 {
		fmt.Fprintln(log, noHistoryCSVLine(noHist))
	}
	return nil
}

// longerCSVLine is the line that names the cells trained past the study's
// plan after results.csv is written (and in a dry run's plan).
func longerCSVLine(long []LongerCell) string {
	return fmt.Sprintf("%s: left out of its report, status %s in %s: %s", plural(len(long), "cell"), LongerStatus, ResultsCSV, longerLine(long))
}

// noHistoryCSVLine is the line that names the cells without their history
// after results.csv is written (and in a dry run's plan).
func noHistoryCSVLine(noHist []CellResult) string {
	return fmt.Sprintf("%s: left out of its report, status %s in %s, its history's numbers empty: %s", plural(len(noHist), "cell"), NoHistoryStatus, ResultsCSV, noHistoryLine(noHist))
}

// LongerStatus is results.csv's status of a cell trained past the
// study's epochs (LongerCell): filtering on "finished" compares like with
// like, as the report does.
const LongerStatus = "longer_than_study"

// NoHistoryStatus is results.csv's status of a complete cell without its
// history (CellResult.NoHistory): the row's numbers read from the history
// (epochs_trained, best_val_accuracy, the epochs and seconds to 98% and
// 99%) are empty, those of its result.json kept.
const NoHistoryStatus = "history_unreadable"

func writeResultsTable(w io.Writer, f File, cells []CellResult) error {
	cw := csv.NewWriter(w)
	head := []string{}
	for _, a := range f.Axes {
		head = append(head, a.Name)
	}
	if err := cw.Write(append(append(head, "seed"), resultColumns...)); err != nil {
		return err
	}
	for _, c := range cells {
		row := []string{}
		for _, a := range f.Axes {
			row = append(row, c.Cell.Params[a.Name])
		}
		row = append(row, strconv.FormatUint(c.Cell.Seed, 10))
		fields := resultFields(c)
		if c.NoHistory != "" {
			fields[0] = NoHistoryStatus
			fields[1] = "" // epochs_trained: the history's, which is not there
		} else if _, long := longerCell(f, c); long {
			fields[0] = LongerStatus
		}
		if err := cw.Write(append(row, fields...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// resultFields are a cell's values of resultColumns.
func resultFields(c CellResult) []string {
	h := c.History
	if h == nil {
		h = &engine.History{}
	}
	// A simulated device records no time (0 s): its seconds are absent.
	timed := !c.Failed && c.Result.Seconds > 0
	status, best, bestTest, finalTest, total := "finished", "", "", "", ""
	if c.Failed {
		status = "diverged"
	} else {
		finalTest = num(c.Result.FinalTestAcc)
		if c.Result.BestCheckpoint != "" {
			bestTest = num(c.Result.BestTestAccuracy)
		}
		if timed {
			total = num(c.Result.Seconds)
		}
	}
	if len(h.Logs) > 0 {
		b := math.Inf(-1)
		for _, l := range h.Logs {
			if v, ok := l["val_accuracy"]; ok {
				b = math.Max(b, v)
			}
		}
		if !math.IsInf(b, -1) {
			best = num(b)
		}
	}
	out := []string{status, strconv.Itoa(len(h.Logs)), best, bestTest, finalTest}
	for _, thr := range []float64{0.98, 0.99} {
		e, s := "", ""
		if epochs, seconds, ok := reach(h, thr); ok {
			e = strconv.Itoa(epochs)
			if timed {
				s = num(seconds)
			}
		}
		out = append(out, e, s)
	}
	return append(out, total)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
