package engine

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Callback hooks into Fit, like keras.callbacks.Callback.
type Callback interface {
	TrainBegin(s *TrainState) error
	EpochEnd(s *TrainState, epoch int, logs Logs) error
	TrainEnd(s *TrainState) error
}

// monitorMode resolves Keras's mode "auto": maximise accuracy-like metrics,
// minimise everything else.
func monitorMode(mode, monitor string) (maximize bool, err error) {
	switch mode {
	case "min":
		return false, nil
	case "max":
		return true, nil
	case "auto", "":
		return strings.Contains(monitor, "acc") || strings.HasPrefix(monitor, "fmeasure"), nil
	}
	return false, fmt.Errorf("unknown mode %q (want auto, min or max)", mode)
}

// ModelCheckpoint is keras.callbacks.ModelCheckpoint(save_weights_only=True):
// after each epoch it writes the weights to Path formatted with the epoch
// (1-based) and the logs, e.g. "weights0.{epoch:02d}-{val_loss:.2f}.safetensors".
// With SaveBestOnly it writes only when Monitor improves strictly.
type ModelCheckpoint struct {
	Path         string
	Monitor      string
	Mode         string
	SaveBestOnly bool
	// Period saves every Period epochs (Keras's period; 0 or 1: every epoch).
	Period int
	// KeepLast keeps only the newest KeepLast files this callback wrote
	// (0: keep all).
	KeepLast int
	Log      io.Writer // where "Epoch 3: val_loss improved ..." lines go (nil: silent)
	// Guard, if set, is asked before the callback makes its folder, writes
	// a file or removes one: an error stops it, and training, before
	// anything is written (a run checks that its folder is still the one
	// it locked, not another put at its path since).
	Guard func() error

	best      float64
	bestEpoch int // 1-based epoch of Best (0: none)
	maximize  bool
	// Saved lists the files written and not deleted by KeepLast, in order
	// (read only); Best is the last best one.
	Saved []string
	Best  string
	// Missing is the best checkpoint's path when a resume found it gone
	// (removed since it was saved; Best is then ""), until a better epoch
	// saves a new one: a run reports it rather than drop it unsaid.
	Missing string
	// savedEpochs are the 1-based epochs whose logs named Saved's files,
	// one each: what a checkpoint stores of Saved.
	savedEpochs []int
	// AsBefore formats Path as mnistgpu read templates before it followed
	// Python's format spec (FormatTemplateAsBefore): for a run recorded
	// with a template refused since, which goes on naming its files as it
	// did.
	AsBefore bool
	// naming is how the run names its files, once its state said so or a
	// resume found it from the files it named (restoreFiles): named.
	naming templateFormat
	named  bool
}

// namingKey is the callback state's record of how the run names its files:
// a templateFormat (0 as Python, 1 and 2 as mnistgpu read templates
// before). States written before it was recorded have none.
const namingKey = "naming"

// how is how the run names its files: as it did, once known (named);
// before that as Python, or as before for a template refused since
// (AsBefore), which Python's way cannot name a file by.
func (c *ModelCheckpoint) how() templateFormat {
	switch {
	case c.named && !(c.AsBefore && c.naming == asPython):
		return c.naming
	case c.AsBefore:
		return asBefore
	}
	return asPython
}

// format is Path formatted for the 1-based epoch with its logs.
func (c *ModelCheckpoint) format(epoch int, logs Logs) (string, error) {
	return formatTemplate(c.Path, epoch, logs, c.how())
}

// restoreFiles finds Best and Saved again after a resume, from the restored
// state (bestEpoch, savedEpochs) and the history of the epochs before it: a
// file's name is Path formatted with its epoch's logs, so it follows the
// run's folder if that has moved. A checkpoint of version 1 (legacy) kept
// no saved epochs: Saved is then every file of an earlier epoch this
// callback would have written (Period) that is still there.
//
// A template can name one epoch's file differently as Python formats it
// and as mnistgpu did before (earlierformat.go: "{epoch:-3}" was "1",
// Python's "  1"), and a resumed run goes on naming its files as it did:
// as its state records (namingKey), or, in a state that records none, as
// the files it finds are named (the latest epoch whose file only some
// ways name so); with no such file, as now. A file is found by any way's
// name, the run's own first.
func (c *ModelCheckpoint) restoreFiles(h *History, legacy bool) error {
	// find is epoch's file: the first of ways whose name is there, or the
	// first way's name; only lists the ways that name it so (nil when every
	// way that formats the template names it alike: no sign of the run's).
	find := func(epoch int, ways []templateFormat) (path string, only []templateFormat, err error) {
		if epoch < 1 || epoch > len(h.Logs) {
			return "", nil, fmt.Errorf("ModelCheckpoint: epoch %d is not in the history of %d epochs", epoch, len(h.Logs))
		}
		names := make([]string, len(ways))
		for i, how := range ways {
			if names[i], err = formatTemplate(c.Path, epoch, h.Logs[epoch-1], how); err != nil && i == 0 {
				return "", nil, fmt.Errorf("ModelCheckpoint: %w", err)
			}
		}
		path = names[0]
		for _, n := range names {
			if n == "" {
				continue
			}
			if _, err := os.Stat(n); err == nil {
				path = n
				break
			}
		}
		alike := true
		for i, n := range names {
			if n == path {
				only = append(only, ways[i])
			} else if n != "" {
				alike = false
			}
		}
		if alike {
			only = nil
		}
		return path, only, nil
	}
	ways := []templateFormat{c.how()}
	for _, how := range []templateFormat{asPython, asBefore, asBeforeGo} {
		if how != ways[0] {
			ways = append(ways, how)
		}
	}
	there := func(path string) bool { _, err := os.Stat(path); return err == nil }
	if legacy {
		c.savedEpochs = nil
		for e := 1; e <= len(h.Logs); e++ {
			if c.Period > 1 && e%c.Period != 0 {
				continue
			}
			path, _, err := find(e, ways)
			if err != nil {
				return err
			}
			if there(path) {
				c.savedEpochs = append(c.savedEpochs, e)
			}
		}
	}
	if !c.named {
		epochs := slices.Clone(c.savedEpochs)
		if c.bestEpoch > 0 {
			epochs = append(epochs, c.bestEpoch)
		}
		slices.Sort(epochs)
		c.naming = ways[0]
		for _, e := range epochs {
			path, only, err := find(e, ways)
			if err != nil {
				return err
			}
			if only != nil && there(path) {
				c.naming = only[0]
			}
		}
		c.named = true
		if c.naming != ways[0] {
			ways = slices.DeleteFunc(ways, func(w templateFormat) bool { return w == c.naming })
			ways = append([]templateFormat{c.naming}, ways...)
		}
	}
	c.Saved, c.Best, c.Missing = nil, "", ""
	for _, e := range c.savedEpochs {
		path, _, err := find(e, ways)
		if err != nil {
			return err
		}
		c.Saved = append(c.Saved, path)
	}
	if c.bestEpoch > 0 {
		path, _, err := find(c.bestEpoch, ways)
		if err != nil {
			return err
		}
		if there(path) {
			c.Best = path
		} else {
			c.Missing = path
		}
	}
	return nil
}

func (c *ModelCheckpoint) TrainBegin(*TrainState) error {
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	var err error
	if c.maximize, err = monitorMode(c.Mode, c.Monitor); err != nil {
		return fmt.Errorf("ModelCheckpoint: %w", err)
	}
	c.best = math.Inf(1)
	if c.maximize {
		c.best = math.Inf(-1)
	}
	if _, err := c.format(1, Logs{"loss": 0, "accuracy": 0, "val_loss": 0, "val_accuracy": 0}); err != nil {
		return fmt.Errorf("ModelCheckpoint: %w", err)
	}
	if err := c.guard(); err != nil {
		return err
	}
	if dir := filepath.Dir(c.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return fmt.Errorf("ModelCheckpoint: %w", err)
		}
	}
	return nil
}

func (c *ModelCheckpoint) EpochEnd(s *TrainState, epoch int, logs Logs) error {
	if c.Period > 1 && (epoch+1)%c.Period != 0 {
		return nil
	}
	path, err := c.format(epoch+1, logs)
	if err != nil {
		return fmt.Errorf("ModelCheckpoint: %w", err)
	}
	if c.SaveBestOnly {
		cur, ok := logs[c.Monitor]
		if !ok {
			if c.Log != nil {
				fmt.Fprintf(c.Log, "ModelCheckpoint: %s is not available, skipping (logs have %v)\n", c.Monitor, keysOf(logs))
			}
			return nil
		}
		improved := cur < c.best
		if c.maximize {
			improved = cur > c.best
		}
		if !improved {
			if c.Log != nil {
				fmt.Fprintf(c.Log, "Epoch %d: %s did not improve from %.5f\n", epoch+1, c.Monitor, c.best)
			}
			return nil
		}
		if c.Log != nil {
			fmt.Fprintf(c.Log, "Epoch %d: %s improved from %.5f to %.5f, saving model to %s\n", epoch+1, c.Monitor, c.best, cur, path)
		}
		c.best = cur
	}
	if err := c.guard(); err != nil {
		return err
	}
	if err := s.Model.SaveWeights(path, map[string]string{"epoch": strconv.Itoa(epoch + 1)}); err != nil {
		return fmt.Errorf("ModelCheckpoint: %w", err)
	}
	if n := len(c.Saved); n == 0 || c.Saved[n-1] != path {
		c.Saved = append(c.Saved, path)
		c.savedEpochs = append(c.savedEpochs, epoch+1)
	} else if len(c.savedEpochs) == n {
		c.savedEpochs[n-1] = epoch + 1 // the same name again: the newest logs name it
	}
	c.Best, c.bestEpoch, c.Missing = path, epoch+1, ""
	if drop := len(c.Saved) - c.KeepLast; c.KeepLast > 0 && drop > 0 {
		for _, old := range c.Saved[:drop] {
			if err := os.Remove(old); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("ModelCheckpoint: %w", err)
			}
		}
		c.Saved = append([]string(nil), c.Saved[drop:]...)
		c.savedEpochs = append([]int(nil), c.savedEpochs[drop:]...)
	}
	return nil
}

func (c *ModelCheckpoint) TrainEnd(*TrainState) error { return nil }

// guard is Guard's answer (nil when there is none).
func (c *ModelCheckpoint) guard() error {
	if c.Guard == nil {
		return nil
	}
	return c.Guard()
}

// BestValue is the best monitored value seen.
func (c *ModelCheckpoint) BestValue() float64 { return c.best }

func keysOf(l Logs) []string { return (&History{Logs: []Logs{l}}).Keys() }

// EarlyStopping is keras.callbacks.EarlyStopping: stop when Monitor has not
// improved by more than MinDelta for Patience epochs; optionally restore the
// best epoch's weights at the end.
type EarlyStopping struct {
	Monitor            string
	Mode               string
	MinDelta           float64
	Patience           int
	RestoreBestWeights bool
	Log                io.Writer

	best        float64
	maximize    bool
	wait        int
	bestWeights []float32
	// StoppedEpoch is the 0-based epoch training stopped at (-1: it did not).
	StoppedEpoch int
	BestEpoch    int
}

// ModelCheckpoint's resume state (StatefulCallback).

func (c *ModelCheckpoint) StateKey() string { return "model_checkpoint" }
func (c *ModelCheckpoint) CallbackState() map[string]float64 {
	return map[string]float64{"best": c.best, "best_epoch": float64(c.bestEpoch), namingKey: float64(c.how())}
}
func (c *ModelCheckpoint) SetCallbackState(s map[string]float64) {
	c.best, c.bestEpoch = s["best"], int(s["best_epoch"])
	if v, ok := s[namingKey]; ok && slices.Contains([]templateFormat{asPython, asBefore, asBeforeGo}, templateFormat(v)) && v == float64(int(v)) {
		c.naming, c.named = templateFormat(v), true
	}
}

// CallbackTensors holds "saved_epochs": the 1-based epochs whose files are
// in Saved, in order (exact in float32 up to 2^24); restoreFiles rebuilds
// the names from them and the history.
func (c *ModelCheckpoint) CallbackTensors() map[string][]float32 {
	if len(c.savedEpochs) == 0 {
		return nil
	}
	v := make([]float32, len(c.savedEpochs))
	for i, e := range c.savedEpochs {
		v[i] = float32(e)
	}
	return map[string][]float32{"saved_epochs": v}
}
func (c *ModelCheckpoint) SetCallbackTensors(t map[string][]float32) error {
	c.savedEpochs = c.savedEpochs[:0]
	for _, v := range t["saved_epochs"] {
		if v < 1 || v != float32(int(v)) {
			return fmt.Errorf("ModelCheckpoint: saved epoch %v is not an epoch", v)
		}
		c.savedEpochs = append(c.savedEpochs, int(v))
	}
	return nil
}

func (c *EarlyStopping) TrainBegin(*TrainState) error {
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	var err error
	if c.maximize, err = monitorMode(c.Mode, c.Monitor); err != nil {
		return fmt.Errorf("EarlyStopping: %w", err)
	}
	c.best, c.wait, c.StoppedEpoch, c.BestEpoch, c.bestWeights = math.Inf(1), 0, -1, -1, nil
	if c.maximize {
		c.best = math.Inf(-1)
	}
	return nil
}

func (c *EarlyStopping) improved(cur float64) bool {
	if c.maximize {
		return cur-math.Abs(c.MinDelta) > c.best
	}
	return cur+math.Abs(c.MinDelta) < c.best
}

func (c *EarlyStopping) EpochEnd(s *TrainState, epoch int, logs Logs) error {
	cur, ok := logs[c.Monitor]
	if !ok {
		return nil
	}
	c.wait++
	if c.improved(cur) {
		c.best, c.BestEpoch, c.wait = cur, epoch, 0
		if c.RestoreBestWeights {
			c.bestWeights = s.Model.HostWeights()
		}
	}
	if c.wait >= c.Patience && epoch > 0 {
		c.StoppedEpoch = epoch
		s.Stop = true
		if c.RestoreBestWeights && c.bestWeights != nil {
			if len(c.bestWeights) != s.Model.NumParams() { // restored from a checkpoint of another model
				return fmt.Errorf("EarlyStopping: %d best weights, the model has %d", len(c.bestWeights), s.Model.NumParams())
			}
			if c.Log != nil {
				fmt.Fprintf(c.Log, "Restoring model weights from the end of the best epoch: %d.\n", c.BestEpoch+1)
			}
			s.Model.SetHostWeights(c.bestWeights)
		}
		if c.Log != nil {
			fmt.Fprintf(c.Log, "Epoch %d: early stopping\n", epoch+1)
		}
	}
	return nil
}

func (c *EarlyStopping) TrainEnd(*TrainState) error { return nil }

// FormatTemplate fills a Keras checkpoint file path as Python's str.format
// does: "{name}" or "{name:spec}" with a Python format spec ("{epoch:02d}",
// "{val_loss:.2f}", "{val_loss:+08.3e}"; pyformatspec.go); "{{" and "}}"
// are literal braces. epoch is 1-based as in Keras.
func FormatTemplate(tmpl string, epoch int, logs Logs) (string, error) {
	return formatTemplate(tmpl, epoch, logs, asPython)
}

// formatTemplate is FormatTemplate, writing a field as how says.
func formatTemplate(tmpl string, epoch int, logs Logs, how templateFormat) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		if ch == '}' {
			if i+1 < len(tmpl) && tmpl[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return "", fmt.Errorf("template %q: single '}' at %d", tmpl, i)
		}
		if ch != '{' {
			b.WriteByte(ch)
			continue
		}
		if i+1 < len(tmpl) && tmpl[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(tmpl[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("template %q: unclosed '{'", tmpl)
		}
		field := tmpl[i+1 : i+end]
		i += end
		name, spec, _ := strings.Cut(field, ":")
		var v float64
		isInt := false
		if name == "epoch" {
			v, isInt = float64(epoch), true
		} else if lv, ok := logs[name]; ok {
			v = lv
		} else {
			return "", fmt.Errorf("template %q: unknown field %q (have epoch and %v)", tmpl, name, keysOf(logs))
		}
		var s string
		var err error
		if how == asPython {
			s, err = pyFormat(v, isInt, spec)
		} else {
			s, err = earlierSpec(v, isInt, spec, how == asBeforeGo)
		}
		if err != nil {
			return "", fmt.Errorf("template %q: field %q: %w", tmpl, field, err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// EarlyStopping's resume state (StatefulCallback).

func (c *EarlyStopping) StateKey() string { return "early_stopping" }
func (c *EarlyStopping) CallbackState() map[string]float64 {
	return map[string]float64{"best": c.best, "wait": float64(c.wait), "best_epoch": float64(c.BestEpoch)}
}
func (c *EarlyStopping) SetCallbackState(s map[string]float64) {
	c.best, c.wait, c.BestEpoch = s["best"], int(s["wait"]), int(s["best_epoch"])
}

// CallbackTensors holds "best_weights" (engine layout) when
// RestoreBestWeights has kept some.
func (c *EarlyStopping) CallbackTensors() map[string][]float32 {
	if c.bestWeights == nil {
		return nil
	}
	return map[string][]float32{"best_weights": c.bestWeights}
}
func (c *EarlyStopping) SetCallbackTensors(t map[string][]float32) error {
	c.bestWeights = nil
	if w, ok := t["best_weights"]; ok {
		c.bestWeights = append([]float32(nil), w...) // the checkpoint may be restored again
	}
	return nil
}

// MessagesAfterEpochLine orders a run's output as Keras's: what a callback
// says about an epoch ("Epoch 5: early stopping", ReduceLROnPlateau's
// reduction) follows that epoch's metrics line, because Keras's progress
// bar is the first of its callbacks. Fit calls Progress.EpochEnd after the
// callbacks, whose logs ("lr") the line shows; so the callbacks write to
// this Writer, which holds what they write from an epoch's begin until the
// line is written, and then passes it on to W. It is the Progress of the
// run, forwarding to P (nil: no progress display).
type MessagesAfterEpochLine struct {
	W       io.Writer
	P       Progress
	held    []byte
	holding bool
}

func (m *MessagesAfterEpochLine) Write(b []byte) (int, error) {
	if m.holding {
		m.held = append(m.held, b...)
		return len(b), nil
	}
	return m.W.Write(b)
}

func (m *MessagesAfterEpochLine) EpochBegin(epoch, epochs, steps int) {
	if m.P != nil {
		m.P.EpochBegin(epoch, epochs, steps)
	}
	m.holding = true
}

// EpochResumedAt forwards to P when it is an EpochResumer.
func (m *MessagesAfterEpochLine) EpochResumedAt(step int) {
	if er, ok := m.P.(EpochResumer); ok {
		er.EpochResumedAt(step)
	}
}

func (m *MessagesAfterEpochLine) BatchEnd(step int, metrics func() Logs) {
	if m.P != nil {
		m.P.BatchEnd(step, metrics)
	}
}

func (m *MessagesAfterEpochLine) EpochEnd(epoch int, logs Logs, elapsed time.Duration) {
	if m.P != nil {
		m.P.EpochEnd(epoch, logs, elapsed)
	}
	m.holding = false
	if len(m.held) > 0 {
		m.W.Write(m.held)
		m.held = m.held[:0]
	}
}
