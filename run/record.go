package run

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

// What a run records beside its Config, in its state file and result.json:
// the data it trained on, so that a resume on other data is refused, and
// the time of each invocation (session) that trained it.

// DataPrint identifies the data a run trained on. The sums are of the
// decoded IDX contents (pixels and labels in file order), so the .gz and
// the uncompressed form of one file print alike, wherever they are found.
type DataPrint struct {
	Train SetPrint `json:"train"`
	Test  SetPrint `json:"test"`
	// Training and Validation are the images of each side of the split,
	// after --train-limit; ValidationSHA256 is the SHA-256 of the
	// held-out images and labels in order, which pins the split's indices.
	Training         int    `json:"training_images"`
	Validation       int    `json:"validation_images"`
	ValidationSHA256 string `json:"validation_sha256"`
}

// SetPrint is one IDX image/label file pair: its number of samples and the
// SHA-256 of its pixels and of its labels.
type SetPrint struct {
	Count        int    `json:"count"`
	ImagesSHA256 string `json:"images_sha256"`
	LabelsSHA256 string `json:"labels_sha256"`
}

// Session is one invocation's part of a run (a resume starts another).
type Session struct {
	FirstEpoch int     `json:"first_epoch"` // 1-based
	Epochs     int     `json:"epochs"`      // epochs it completed (0: stopped within its first)
	Seconds    float64 `json:"seconds"`     // its time in training (0 on a simulated device)
}

// stored is what a state file holds as its Config: the run's settings with
// the data it trained on and its sessions beside them.
type stored struct {
	Config
	TrainedOn *DataPrint `json:"trained_on,omitempty"`
	Sessions  []Session  `json:"sessions,omitempty"`
	// Network is the model trained (see checkRecordedModel); Config.Model
	// names its file.
	Network *engine.ModelSpec `json:"model_spec,omitempty"`
}

// decodeStored reads a state file's Config and what is recorded beside it
// (nothing, in state files of earlier versions).
func decodeStored(raw []byte) (stored, error) {
	if err := engine.CheckSettingsJSON(raw); err != nil {
		return stored{}, err
	}
	var legacy struct {
		Args []string `json:"args"`
	}
	if json.Unmarshal(raw, &legacy) == nil && legacy.Args != nil {
		cfg, err := decodeLegacy(raw)
		return stored{Config: cfg.fromRecord()}, err
	}
	s := stored{Config: Default()}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return stored{}, engine.ExplainJSON(err)
	}
	if dec.More() {
		return stored{}, fmt.Errorf("data after the JSON object")
	}
	if recordedBeforeUnset(raw) {
		s.Config = s.Config.fromRecord()
	}
	if recordedBeforeSplitRule(raw) && s.Config.Data.Split == engine.SplitStratified {
		s.Config.Data.SplitRule = SplitRuleClassCeiling
	}
	return s, nil
}

// printData is the DataPrint of data, split into train and val (the
// held-out part) as the run's settings say.
func printData(data *mnist.Set, train, val engine.Dataset) DataPrint {
	p := DataPrint{Training: train.Len(), Validation: val.Len(), ValidationSHA256: sum(val.Images, val.Labels)}
	p.Train, p.Test = printSets(data)
	return p
}

// setPrints caches the prints of the last data set seen: a study's cells
// share one.
var setPrints struct {
	sync.Mutex
	set         *mnist.Set
	train, test SetPrint
}

func printSets(data *mnist.Set) (train, test SetPrint) {
	setPrints.Lock()
	defer setPrints.Unlock()
	if setPrints.set != data {
		setPrints.set = data
		setPrints.train = SetPrint{Count: data.Train.Len(), ImagesSHA256: sum(data.Train.Images), LabelsSHA256: sum(data.Train.Labels)}
		setPrints.test = SetPrint{Count: data.Test.Len(), ImagesSHA256: sum(data.Test.Images), LabelsSHA256: sum(data.Test.Labels)}
	}
	return setPrints.train, setPrints.test
}

func sum(parts ...[]uint8) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Differences names what differs between the data a run was trained on (p)
// and the data found now (q), in words; none when they are the same.
func (p DataPrint) Differences(q DataPrint) []string {
	var out []string
	set := func(name string, a, b SetPrint) {
		switch {
		case a.Count != b.Count:
			out = append(out, fmt.Sprintf("%s set of %s there, %d here", name, Plural(a.Count, "image"), b.Count))
		case a.ImagesSHA256 != b.ImagesSHA256:
			out = append(out, fmt.Sprintf("%s images: SHA-256 %.12s… there, %.12s… here", name, a.ImagesSHA256, b.ImagesSHA256))
		case a.LabelsSHA256 != b.LabelsSHA256:
			out = append(out, fmt.Sprintf("%s labels: SHA-256 %.12s… there, %.12s… here", name, a.LabelsSHA256, b.LabelsSHA256))
		}
	}
	set("training", p.Train, q.Train)
	set("test", p.Test, q.Test)
	switch {
	case p.Training != q.Training || p.Validation != q.Validation:
		out = append(out, fmt.Sprintf("split of %d training / %d validation images there, %d / %d here",
			p.Training, p.Validation, q.Training, q.Validation))
	case p.ValidationSHA256 != q.ValidationSHA256:
		out = append(out, fmt.Sprintf("validation set: SHA-256 %.12s… there, %.12s… here", p.ValidationSHA256, q.ValidationSHA256))
	}
	return out
}

// DataMismatchError is a resume (or a study's extension) on data other than
// the run was trained on.
type DataMismatchError struct {
	Dir, From string
	Diff      []string
}

func (e *DataMismatchError) Error() string {
	return fmt.Sprintf("%s was trained on other data than %s (%s): resume it with the data it was trained on (--data-dir), or start a new run with another --out",
		e.Dir, e.From, strings.Join(e.Diff, "; "))
}

// record is a run's data print and sessions while it trains.
type record struct {
	data      DataPrint
	earlier   []Session // sessions before this one
	first     int       // 0-based epoch this session starts at
	startStep uint64    // the optimizer steps trained before this session
	start     time.Time
	simulated bool
	next      int     // 0-based epoch after the last one this session completed
	step      uint64  // the optimizer steps trained at its last saved state
	seconds   float64 // this session's time to its last saved state
	saved     bool    // this session saved a state (an epoch's end, or within one)
	cut       bool    // the step budget ended the run within its last epoch
	epochStep int     // the step of its last epoch the last state was saved at (0: its end)
	model     *engine.ModelSpec
}

// newRecord starts this session's record. A resume checks that data is
// what the run was trained on (a *DataMismatchError when it is not); a
// state file of an earlier version has no print, and log says so.
func newRecord(dir string, resume *engine.TrainCheckpoint, data DataPrint, from string, log io.Writer) (*record, error) {
	r := &record{data: data}
	if resume == nil {
		return r, nil
	}
	s, err := decodeStored(resume.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: the run's settings: %w", dir, err)
	}
	r.earlier, r.first, r.startStep = s.Sessions, resume.NextEpoch, resume.Step
	if s.TrainedOn == nil {
		fmt.Fprintf(log, "%s records no data fingerprint (written by an earlier version): the data cannot be checked\n", dir)
		return r, nil
	}
	if diff := s.TrainedOn.Differences(data); len(diff) > 0 {
		return nil, &DataMismatchError{Dir: dir, From: from, Diff: diff}
	}
	return r, nil
}

// begin marks the start of this session's training.
func (r *record) begin(simulated bool) { r.start, r.simulated = time.Now(), simulated }

// sessions are the run's sessions, this one to the end of its last epoch.
// A session is a part of the run that trained: one that took no step (a
// resume whose state had spent the budget given now) adds none, as one
// that only evaluates and writes the result does not.
func (r *record) sessions() []Session {
	out := append([]Session(nil), r.earlier...)
	// A session stopped within its first epoch trained too: its time
	// counts, though it completed no epoch.
	if r.saved && r.step > r.startStep {
		s := Session{FirstEpoch: r.first + 1, Epochs: r.next - r.first, Seconds: r.seconds}
		if r.simulated {
			s.Seconds = 0
		}
		out = append(out, s)
	}
	return out
}

// encode ends epoch next-1 (at the run's step) and returns what the state
// file after it holds as its Config.
func (r *record) encode(cfg Config, next int, step uint64) ([]byte, error) {
	r.next, r.step, r.seconds, r.saved = next, step, time.Since(r.start).Seconds(), true
	d := r.data
	return json.Marshal(stored{Config: cfg, TrainedOn: &d, Sessions: r.sessions(), Network: r.model})
}

// totalSeconds adds up the sessions' times.
func totalSeconds(sessions []Session) float64 {
	t := 0.0
	for _, s := range sessions {
		t += s.Seconds
	}
	return t
}

// ReadConfigFile reads a run's config.json (or any file of Config's JSON
// form: a setting left out keeps its default), for `train --config`. Its
// paths are absolute when a run wrote it, so it reruns the run from any
// working directory.
func ReadConfigFile(path string) (Config, error) {
	raw, err := engine.ReadFile(path, "config file", engine.MaxSettingsFile)
	if err != nil {
		return Config{}, &ValueError{Flag: "config", Msg: err.Error()}
	}
	s, err := decodeStored(raw)
	if err != nil {
		return Config{}, &ValueError{Flag: "config", Msg: fmt.Sprintf("%s: %v", path, unknownKey(err))}
	}
	if err := checkFileOptimizer(path, s.Config); err != nil {
		return Config{}, err
	}
	return s.Config, nil
}

// CheckData refuses (a *DataMismatchError) to continue the run in dir on
// data: a run that recorded other training or test images. A folder with
// no state, or a state of an earlier version (no print), passes; Train
// checks the split too. Only the state file's header is read.
func CheckData(dir string, data *mnist.Set) error {
	s, err := recordedState(filepath.Join(dir, StateFile))
	if err != nil || s.TrainedOn == nil {
		return nil
	}
	now := *s.TrainedOn
	now.Train, now.Test = printSets(data)
	if diff := s.TrainedOn.Differences(now); len(diff) > 0 {
		return &DataMismatchError{Dir: dir, From: data.From, Diff: diff}
	}
	return nil
}

// maxStateHeader bounds the header of a state file read for its record.
const maxStateHeader = 64 << 20

// recordedState reads the settings and record in a state file's header
// without its tensors.
func recordedState(path string) (stored, error) {
	var st struct {
		Config json.RawMessage `json:"config"`
	}
	if err := readStateHeader(path, &st); err != nil {
		return stored{}, err
	}
	s, err := decodeStored(st.Config)
	if err != nil {
		return stored{}, fmt.Errorf("%s: the run's settings: %w", path, err)
	}
	return s, nil
}

// readStateHeader decodes the training state (engine.TrainCheckpoint's
// JSON) in the header of the state file at path into v, without reading
// its tensors.
func readStateHeader(path string, v any) error {
	fh, err := engine.OpenFile(path, "training state file", engine.MaxStateFile)
	if err != nil {
		return err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return err
	}
	var n [8]byte
	if _, err := io.ReadFull(fh, n[:]); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// The header's length is the file's word: bounded by the file's size
	// before it is allocated, so a lying one costs nothing.
	size := binary.LittleEndian.Uint64(n[:])
	if size > maxStateHeader || size > uint64(info.Size()-8) {
		return fmt.Errorf("%s: header of %d bytes in a file of %d", path, size, info.Size())
	}
	head := make([]byte, size)
	if _, err := io.ReadFull(fh, head); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var h struct {
		Meta struct {
			State string `json:"state"`
		} `json:"__metadata__"`
	}
	if err := json.Unmarshal(head, &h); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := json.Unmarshal([]byte(h.Meta.State), v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadData is LoadData; a resumed run whose recorded data folder no longer
// holds MNIST (recorded: the folder s names is the record's, not given
// now) looks for it where a run without --data-dir would (the user cache,
// a download, the Go module), and the data print it recorded decides
// whether what is found there is its data.
func loadData(s SourceConfig, recorded bool, log io.Writer) (*mnist.Set, error) {
	if recorded && s.Dir != "" && !mnist.Complete(s.Dir) {
		fmt.Fprintf(log, "%s holds no MNIST now; looking for the run's data elsewhere\n", s.Dir)
		s.Dir = ""
	}
	return LoadData(s, log)
}
