package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"mnistgpu/engine"
)

// bar draws Keras-style epoch progress: a bar with steps, img/s and ETA while
// the epoch runs, then one summary line per epoch. Quiet (or writing to a
// log rather than a terminal) it writes only the summary lines, as Keras's
// verbose=2.
type bar struct {
	w     io.Writer
	quiet bool
	sim   bool // the CPU stand-in of the GPU: no speed figures
	batch int
	pb    *progressbar.ProgressBar
	start time.Time
	last  time.Time
	steps int // in an epoch
	done  int // steps run so far in this epoch
	// from is how many of the epoch's steps an earlier session ran (a
	// resume within the epoch): this one's speed counts the others only.
	from int
}

func newBar(w io.Writer, quiet bool) *bar { return &bar{w: w, quiet: quiet} }

// forDevice sets what the bar shows for a backend: no speed on a simulated one.
func (b *bar) forDevice(t engine.Traits, batch int) engine.Progress {
	b.sim, b.batch = t.Simulated, batch
	return b
}

// interrupt ends a bar left mid-line by a failure, so that the error that
// follows starts on a line of its own.
func (b *bar) interrupt() {
	if b.pb != nil {
		b.pb.Exit()
		fmt.Fprintln(b.w)
		b.pb = nil
	}
}

func (b *bar) EpochBegin(epoch, epochs, steps int) {
	b.steps, b.done, b.from, b.start, b.last = steps, 0, 0, time.Now(), time.Time{}
	fmt.Fprintf(b.w, "Epoch %d/%d\n", epoch+1, epochs)
	if b.quiet {
		return
	}
	b.pb = newProgressBar(b.w, steps, true)
}

// newProgressBar is an epoch's bar of steps, with the time left when
// predict is set.
func newProgressBar(w io.Writer, steps int, predict bool) *progressbar.ProgressBar {
	return progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(predict),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetTheme(progressbar.Theme{Saucer: "=", SaucerHead: ">", SaucerPadding: ".", BarStart: "[", BarEnd: "]"}),
	)
}

// EpochResumedAt: the epoch resumed after `step` of its steps, which an
// earlier session ran. The bar's time left would count them as made in no
// time (a second's left for minutes): it shows none for this epoch. Its
// line counts them, as a resume that takes no step (its step budget spent
// there) says "34/200", not "0/200" and the epoch's time per no step.
func (b *bar) EpochResumedAt(step int) {
	b.from, b.done = step, step
	if b.pb != nil {
		b.pb = newProgressBar(b.w, b.steps, false)
		b.pb.Set(step)
	}
}

func (b *bar) BatchEnd(step int, metrics func() engine.Logs) {
	b.done = step
	if b.pb == nil {
		return
	}
	if now := time.Now(); now.Sub(b.last) > 250*time.Millisecond || step == b.steps {
		b.last = now
		rate := fmt.Sprintf("%6.0f img/s", float64((step-b.from)*b.batch)/now.Sub(b.start).Seconds())
		if b.sim {
			rate = "simulated"
		}
		b.pb.Describe(formatLogs(metrics()) + " " + rate)
	}
	b.pb.Set(step)
}

func (b *bar) EpochEnd(epoch int, logs engine.Logs, elapsed time.Duration) {
	if b.pb != nil {
		b.pb.Finish()
		fmt.Fprintln(b.w)
		b.pb = nil
	}
	if b.sim {
		fmt.Fprintf(b.w, "%d/%d - simulated device (no timing) - %s\n", b.done, b.steps, formatLogs(logs))
		return
	}
	per := elapsed / time.Duration(max(b.done, 1))
	fmt.Fprintf(b.w, "%d/%d - %.0fs - %s - %s\n", b.done, b.steps, elapsed.Seconds(), perStep(per), formatLogs(logs))
}

// perStep is the time of one step as Keras's progress bar prints it: whole
// seconds from 1 s, else whole milliseconds from 1 ms, else microseconds (a
// 0.4 ms GPU step is "400us/step", not "0s/step").
func perStep(d time.Duration) string {
	switch s := d.Seconds(); {
	case s >= 1 || s == 0:
		return fmt.Sprintf("%.0fs/step", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.0fms/step", s*1e3)
	default:
		return fmt.Sprintf("%.0fus/step", s*1e6)
	}
}

// kerasNumber writes a metric as Keras's progress bar does: four decimals
// when its magnitude is above 1e-3, else four in scientific form (a rate of
// 1.25e-4 is "1.2500e-04", not "0.0001").
func kerasNumber(v float64) string {
	if math.Abs(v) > 1e-3 {
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.4e", v)
}

// formatLogs writes "loss: 0.1234 - accuracy: 0.9612 - val_loss: ..." in Keras order.
func formatLogs(l engine.Logs) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if k == "lr" {
			return 4
		}
		r := 0
		if strings.HasPrefix(k, "val_") {
			r += 2
		}
		if strings.HasSuffix(k, "accuracy") {
			r++
		}
		return r
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + kerasNumber(l[k])
	}
	return strings.Join(parts, " - ")
}
