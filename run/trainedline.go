package run

import (
	"fmt"
	"io"
)

// trainedWhen is the middle of the line a finished run prints, "Trained
// %s on cpu.": its epochs, how many this session trained, and in what
// time. A resume that only finished a run (its epochs all trained, its
// result not yet written) trained none, and says so without a time: it
// printed "3 epochs (0 this run) in 0.0s", the time of no training. A
// time is written as RoundDuration writes it: a run of 40 ms said "in
// 0.0s". So does a resume within an epoch that took no step (its step
// budget spent there), which ends that epoch as it was: it said "(1 this
// run)". A run the step budget cut within an epoch says the epochs that
// ended and the cut one's steps, and the steps this session trained: "1
// epoch and 5 steps of epoch 2 (30 steps this run)"; it said "2 epochs (2
// this run)" of a run whose history held 1.
func trainedWhen(r *Result, rec *record, simulated bool) string {
	epochs := r.Extent()
	now := fmt.Sprintf("%d this run", r.Epochs-rec.first)
	switch {
	case r.CutSteps > 0 && r.Steps <= rec.startStep:
		return epochs + " (none this run)"
	case r.CutSteps > 0:
		now = Plural(int(r.Steps-rec.startStep), "step") + " this run"
	case r.Epochs-rec.first <= 0 || (rec.startStep > 0 && r.Steps == rec.startStep):
		return epochs + " (none this run)"
	}
	timing := "in " + roundSeconds(r.Seconds-totalSeconds(rec.earlier))
	if len(r.Sessions) > 1 {
		timing += fmt.Sprintf(" (%s in %d sessions)", roundSeconds(r.Seconds), len(r.Sessions))
	}
	if simulated {
		timing = "(simulated device: no timing)"
	}
	return fmt.Sprintf("%s (%s) %s", epochs, now, timing)
}

// sayStepBudgetSpent says, in one line on log, that the run ended at its
// step budget before its planned epochs: early stopping says "Epoch N:
// early stopping", while the budget ended a run of 4 planned epochs inside
// its second without a word, the summary saying "Trained 2 epochs".
func sayStepBudgetSpent(cfg Config, r *Result, log io.Writer) {
	switch {
	case r.Stopped != "max_steps":
	case r.LastEpoch() >= r.Planned: // within the last epoch
		fmt.Fprintf(log, "Epoch %d: step budget spent (--max-steps %d), before the epoch's end\n", r.LastEpoch(), cfg.MaxSteps)
	default:
		fmt.Fprintf(log, "Epoch %d: step budget spent (--max-steps %d), before the %s planned\n", r.LastEpoch(), cfg.MaxSteps, Plural(r.Planned, "epoch"))
	}
}
