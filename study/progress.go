package study

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// display shows a running study: one line per finished cell (its test
// accuracy, or its error, printed once), each with the counts of cells
// done, running, failed and left, the elapsed time and an estimate of the
// time left. On a terminal (live) it also keeps a status block below those
// lines, redrawn every second: the counts and the current epoch of every
// running cell. Everything is written under one lock, whole lines at a
// time, so concurrent cells never mix their output.
//
// The estimate weighs each cell's epochs by its training cost (FLOPs per
// image × images per epoch), so a CNN epoch counts for more than an MLP
// epoch; it assumes the study keeps its current throughput.
type display struct {
	w     io.Writer
	live  bool
	width int // columns of the terminal (0: no limit)
	now   func() time.Time

	mu        sync.Mutex
	start     time.Time
	of        int // cells of this shard
	done      int // finished (diverged included), before this run as well
	failed    int
	halted    int // stopped on request, their states saved
	away      int // held by another process of the study when claimed
	left      int // not started
	running   []*cellProgress
	totalWork float64 // of the cells to run now, in cost-weighted epochs
	doneWork  float64 // of finished cells
	simulated atomic.Bool
	drawn     int // lines of the status block on screen
	stop      chan struct{}
	stopped   chan struct{}
}

func newDisplay(w io.Writer, live bool, width int, of, done, left int, now func() time.Time) *display {
	if w == nil {
		w, live = io.Discard, false
	}
	if now == nil {
		now = time.Now
	}
	d := &display{w: w, live: live, width: width, now: now, start: now(), of: of, done: done, left: left}
	if live {
		d.stop, d.stopped = make(chan struct{}), make(chan struct{})
		go d.tick()
	}
	return d
}

func (d *display) tick() {
	defer close(d.stopped)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.mu.Lock()
			d.redraw()
			d.mu.Unlock()
		}
	}
}

// close ends the status block; the lines above it stay.
func (d *display) close() {
	if d.live {
		close(d.stop)
		<-d.stopped
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.erase()
}

// plan adds a cell's cost to the work to do: epochs still to train, each
// weighing cost.
func (d *display) plan(epochs int, cost float64) {
	d.mu.Lock()
	d.totalWork += float64(epochs) * cost
	d.mu.Unlock()
}

// say writes lines above the status block.
func (d *display) say(format string, a ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.erase()
	fmt.Fprintf(d.w, format, a...)
	d.redraw()
}

// begin marks a cell as running; its progress comes through the returned
// engine.Progress. from is the epoch it starts at (a resumed cell's).
func (d *display) begin(key string, index, from, epochs int, cost float64) *cellProgress {
	c := &cellProgress{d: d, key: key, index: index, from: from, epochs: epochs, cost: cost}
	c.epoch.Store(int64(from))
	d.mu.Lock()
	defer d.mu.Unlock()
	d.left--
	d.running = append(d.running, c)
	return c
}

// end marks a cell as finished: result is what it reached (nil when it
// failed or diverged), err why it did not finish (nil when it did).
func (d *display) end(c *cellProgress, r *Result, err error, diverged bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, x := range d.running {
		if x == c {
			d.running = append(d.running[:i], d.running[i+1:]...)
			break
		}
	}
	// The cell's work is done whether it ran every epoch or stopped early.
	ran := float64(c.completed()-c.from) * c.cost
	planned := float64(c.epochs-c.from) * c.cost
	d.doneWork += ran
	d.totalWork -= planned - ran
	var what string
	var pe *PanicError
	var stopped *run.StoppedError
	switch {
	case errors.As(err, &stopped):
		d.halted++
		what = fmt.Sprintf("stopped at epoch %d, step %d, its state saved", stopped.Epoch, stopped.Step)
	case errors.As(err, &pe):
		d.failed++
		what = fmt.Sprintf("FAILED: panic: %v (the stack is in its failed.txt)", pe.Value)
	case err != nil && diverged:
		d.done++
		what = "diverged, a result: " + firstLine(err.Error())
	case err != nil:
		d.failed++
		what = "FAILED: " + indent(err.Error())
	default:
		d.done++
		if c.finishes {
			// Its result is written again, as --dry-run said it would be.
			what = "finished, no step to train: "
		}
		what += fmt.Sprintf("test accuracy %.4f", r.FinalTestAcc)
		if r.BestCheckpoint != "" {
			what += fmt.Sprintf(" (best checkpoint %.4f)", r.BestTestAccuracy)
		}
		what += " after " + r.Extent() + stoppedBy(r)
		if r.Seconds > 0 {
			what += fmt.Sprintf(" in %s", roundDuration(time.Duration(r.Seconds*float64(time.Second))))
		}
	}
	d.erase()
	fmt.Fprintf(d.w, "[%s] %s: %s\n", d.counts(), c.key, what)
	d.redraw()
}

// elsewhere marks a cell that this process does not run after all: another
// process holds it, or finished it (done) since this one planned.
func (d *display) elsewhere(key string, from, epochs int, cost float64, done bool, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.left--
	d.totalWork -= float64(max(0, epochs-from)) * cost
	if done {
		d.done++
	} else {
		d.away++
	}
	d.erase()
	fmt.Fprintf(d.w, "[%s] %s: %s\n", d.counts(), key, why)
	d.redraw()
}

// counts is "12/32 done, 2 in other processes, 1 stopped, 4 running, 1
// failed, 15 left, 3m12s, about 5m left": every cell of the shard is in one
// of them, so a cell another process of the study is training is counted
// too.
func (d *display) counts() string {
	s := fmt.Sprintf("%d/%d done", d.done, d.of)
	switch {
	case d.away == 1:
		s += ", 1 in another process"
	case d.away > 1:
		s += fmt.Sprintf(", %d in other processes", d.away)
	}
	if d.halted > 0 {
		s += fmt.Sprintf(", %d stopped", d.halted)
	}
	s += fmt.Sprintf(", %d running", len(d.running))
	if d.failed > 0 {
		s += fmt.Sprintf(", %d failed", d.failed)
	}
	s += fmt.Sprintf(", %d left, %s", d.left, roundDuration(d.now().Sub(d.start)))
	switch eta := d.eta(); {
	case strings.HasPrefix(eta, "more than"): // not "about more than 292 years"
		s += ", " + eta + " left"
	case eta != "":
		s += ", about " + eta + " left"
	}
	return s
}

// eta is the time left at the throughput so far ("" before any progress,
// when nothing is left, or on a simulated device, whose time means nothing).
func (d *display) eta() string {
	if d.simulated.Load() {
		return ""
	}
	done := d.doneWork
	for _, c := range d.running {
		done += c.work()
	}
	elapsed := d.now().Sub(d.start)
	if done <= 0 || elapsed <= 0 || d.totalWork-done <= 0 || len(d.running)+d.left == 0 {
		return ""
	}
	// In seconds, held at the largest Duration: at --epochs 2⁶² it wrapped
	// negative and was left out.
	left := secondsDuration((d.totalWork - done) / done * elapsed.Seconds())
	if left < time.Second {
		return ""
	}
	return durationText(left)
}

// erase removes the status block (the cursor is at the start of the line
// below it).
func (d *display) erase() {
	if d.drawn > 0 {
		fmt.Fprintf(d.w, "\x1b[%dA\r\x1b[J", d.drawn)
		d.drawn = 0
	}
}

// redraw writes the status block: the counts, then one line per running
// cell with its epoch and how far into it it is.
func (d *display) redraw() {
	if !d.live {
		return
	}
	d.erase()
	lines := []string{"study: " + d.counts()}
	for _, c := range d.running {
		epoch, step, steps := c.position()
		at := fmt.Sprintf("epoch %d/%d", epoch+1, c.epochs)
		switch {
		case epoch >= c.epochs:
			at = "testing"
		case steps > 0:
			at += fmt.Sprintf(" %3d%%", 100*step/steps)
		}
		lines = append(lines, fmt.Sprintf("  %-14s %s", at, c.key))
	}
	for _, l := range lines {
		if d.width > 1 && len([]rune(l)) >= d.width {
			l = string([]rune(l)[:d.width-2]) + "…"
		}
		fmt.Fprintln(d.w, l)
	}
	d.drawn = len(lines)
}

// cellProgress follows one running cell; it is the cell's engine.Progress.
// The trainer calls it from the cell's goroutine, the display reads it from
// another: its fields are atomic.
type cellProgress struct {
	d            *display
	key          string
	index        int
	from, epochs int
	cost         float64
	epoch        atomic.Int64 // epochs completed
	step, steps  atomic.Int64 // in the current epoch
	// finishes: the cell has no step to train, only its result to write
	// (trainCell's, read by end in the same slot).
	finishes bool
}

func (c *cellProgress) forDevice(t engine.Traits, _ int) engine.Progress {
	if t.Simulated {
		c.d.simulated.Store(true)
	}
	return c
}

func (c *cellProgress) EpochBegin(epoch, epochs, steps int) {
	c.epoch.Store(int64(epoch))
	c.step.Store(0)
	c.steps.Store(int64(steps))
}

func (c *cellProgress) BatchEnd(step int, _ func() engine.Logs) { c.step.Store(int64(step)) }

func (c *cellProgress) EpochEnd(epoch int, _ engine.Logs, _ time.Duration) {
	c.epoch.Store(int64(epoch + 1))
	c.step.Store(0)
	c.steps.Store(0)
}

func (c *cellProgress) completed() int { return int(c.epoch.Load()) }

func (c *cellProgress) position() (epoch, step, steps int) {
	return int(c.epoch.Load()), int(c.step.Load()), int(c.steps.Load())
}

// work is the cost-weighted epochs this cell has trained in this run.
func (c *cellProgress) work() float64 {
	epoch, step, steps := c.position()
	w := float64(epoch - c.from)
	if steps > 0 {
		w += float64(step) / float64(steps)
	}
	return max(w, 0) * c.cost
}

// roundDuration is run.RoundDuration: a cell's time is written as a
// run's is.
func roundDuration(t time.Duration) string { return run.RoundDuration(t) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// indent puts the lines after the first of a message under it.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
