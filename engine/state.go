package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// OptimizerState is everything an optimizer needs to continue exactly:
// its learning rate, step count and per-weight slots (host copies).
type OptimizerState struct {
	Name       string               `json:"name"`
	LR         float64              `json:"lr"`
	Iterations int64                `json:"iterations"`
	Slots      map[string][]float32 `json:"-"`
}

// StatefulOptimizer can save and restore its state.
type StatefulOptimizer interface {
	Optimizer
	ExportState(b Backend) OptimizerState
	ImportState(b Backend, n int, s OptimizerState) error
}

func exportSlots(b Backend, slots map[string]Buffer) map[string][]float32 {
	out := map[string][]float32{}
	for name, buf := range slots {
		if buf == nil {
			continue
		}
		v := make([]float32, buf.Len())
		b.CopyOut(v, buf)
		out[name] = v
	}
	return out
}

func importSlot(b Backend, n int, s OptimizerState, name string, dst *Buffer) error {
	v, ok := s.Slots[name]
	if !ok {
		return nil // not created yet when saved (no step had run)
	}
	if len(v) != n {
		return fmt.Errorf("optimizer state: slot %q has %d values, the model has %d parameters", name, len(v), n)
	}
	if *dst == nil {
		*dst = mustAllocZero(b, n)
	}
	b.CopyIn(*dst, v)
	return nil
}

func checkName(want string, s OptimizerState) error {
	if s.Name != want {
		return fmt.Errorf("optimizer state is for %q, the run uses %q", s.Name, want)
	}
	return nil
}

// StatefulCallback can save and restore what it has learnt so far (best
// values, counters), so a resumed run behaves as an uninterrupted one.
// TrainBegin resets that state, so a restore comes after it
// (TrainCheckpoint.Restore, which Fit calls after TrainBegin).
type StatefulCallback interface {
	Callback
	// StateKey names the callback's type in a training checkpoint. Of
	// several callbacks of one type, the first is stored under StateKey(),
	// the n-th after it under StateKey()+".n" (callbackKeys).
	StateKey() string
	CallbackState() map[string]float64
	SetCallbackState(map[string]float64)
}

// TensorStateCallback is a StatefulCallback whose state also holds vectors
// (EarlyStopping's best weights, ModelCheckpoint's saved epochs), stored as
// the tensors "callback.<key>.<name>" of a training checkpoint. Names hold
// no dot.
type TensorStateCallback interface {
	StatefulCallback
	// CallbackTensors are the vectors to store; an absent or empty one is
	// not stored.
	CallbackTensors() map[string][]float32
	// SetCallbackTensors restores them after SetCallbackState; t lacks the
	// vectors that were absent when saved (and is empty for a checkpoint of
	// version 1, which had none).
	SetCallbackTensors(t map[string][]float32) error
}

// callbackKeys names each StatefulCallback of callbacks in a checkpoint of
// the given version ("" for the others). From version 2 the callbacks of
// one StateKey k are k, k.1, k.2, ... in the order of callbacks. Version 1
// stored one state per k, that of the last callback of that key, which
// alone gets it back.
func callbackKeys(callbacks []Callback, version int) []string {
	keys := make([]string, len(callbacks))
	seen := map[string]int{}
	for i, cb := range callbacks {
		sc, ok := cb.(StatefulCallback)
		if !ok {
			continue
		}
		k := sc.StateKey()
		n := seen[k]
		seen[k]++
		switch {
		case version == 1:
			for j := range i {
				if keys[j] == k {
					keys[j] = ""
				}
			}
			keys[i] = k
		case n == 0:
			keys[i] = k
		default:
			keys[i] = k + "." + strconv.Itoa(n)
		}
	}
	return keys
}

// stateFormat is a state file's "format" metadata.
const stateFormat = "mnistgpu-train-state"

// TrainCheckpoint is a whole training run at an epoch boundary, or within
// an epoch after EpochStep of its steps: enough to continue it bit for bit
// on the CPU (and on the GPU stand-in, whose tests check it).
// Snapshot takes one, Save and LoadTrainCheckpoint store it, Restore (or
// FitConfig.Resume) continues it.
type TrainCheckpoint struct {
	Version   int    `json:"version"`
	NextEpoch int    `json:"next_epoch"` // 0-based epoch to run (or continue) next
	Step      uint64 `json:"step"`       // optimizer steps so far
	// EpochStep steps of epoch NextEpoch were taken (0: none, an epoch
	// boundary). Its order and augmentation follow from the run's seed and
	// the epoch, dropout from Step; Metrics holds what the epoch's logs
	// need of the steps before.
	EpochStep int `json:"epoch_step,omitempty"`
	// EpochSeconds is the epoch's time in training before EpochStep, which
	// its history entry adds to the time after a resume.
	EpochSeconds float64 `json:"epoch_seconds,omitempty"`
	// Metrics are the epoch's running Σ loss and Σ correct after EpochStep
	// steps, as the device holds them (float32, bit for bit); stored as the
	// tensor "metrics". Empty at an epoch boundary.
	Metrics   []float32                     `json:"-"`
	Optimizer OptimizerState                `json:"optimizer"`
	Callbacks map[string]map[string]float64 `json:"-"` // by callbackKeys; stored apart: values may be ±Inf
	// CallbackTensors are the TensorStateCallbacks' vectors, by the same keys.
	CallbackTensors map[string]map[string][]float32 `json:"-"`
	History         json.RawMessage                 `json:"history"`
	Config          json.RawMessage                 `json:"config"` // the run's settings, opaque to the engine
	Weights         []float32                       `json:"-"`      // engine layout
}

// Snapshot is the checkpoint of the run st at the end of epoch st.Epoch:
// weights, step count, optimizer state, the state of every StatefulCallback
// among callbacks and the history. Config is the caller's to set.
func Snapshot(st *TrainState, callbacks []Callback) (*TrainCheckpoint, error) {
	so, ok := st.Optimizer.(StatefulOptimizer)
	if !ok {
		return nil, fmt.Errorf("checkpoint: optimizer %s cannot export its state", st.Optimizer.Name())
	}
	var hist bytes.Buffer
	if err := st.History.WriteJSON(&hist); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	m := st.Model
	c := &TrainCheckpoint{Version: checkpointVersion, NextEpoch: st.Epoch + 1, Step: m.Steps(), Optimizer: so.ExportState(m.Backend()),
		Callbacks: map[string]map[string]float64{}, CallbackTensors: map[string]map[string][]float32{},
		History: hist.Bytes(), Weights: m.HostWeights()}
	for i, key := range callbackKeys(callbacks, checkpointVersion) {
		if key == "" {
			continue
		}
		c.Callbacks[key] = callbacks[i].(StatefulCallback).CallbackState()
		if tc, ok := callbacks[i].(TensorStateCallback); ok {
			if t := tc.CallbackTensors(); len(t) > 0 {
				c.CallbackTensors[key] = t
			}
		}
	}
	return c, nil
}

// Restore puts the run saved in c back into m, opt and callbacks: the
// weights, the step count (dropout's seed), the optimizer's state, the
// state of every StatefulCallback c has one for (its vectors too) and
// ModelCheckpoint's best and saved files. It returns the history of the
// epochs before c.NextEpoch. Callbacks reset their state in TrainBegin, so
// Restore comes after it.
func (c *TrainCheckpoint) Restore(m *Model, opt Optimizer, callbacks []Callback) (*History, error) {
	if len(c.Weights) != m.NumParams() {
		return nil, fmt.Errorf("checkpoint: %d weights, the model has %d", len(c.Weights), m.NumParams())
	}
	so, ok := opt.(StatefulOptimizer)
	if !ok {
		return nil, fmt.Errorf("checkpoint: optimizer %s cannot import its state", opt.Name())
	}
	if err := checkName(opt.Name(), c.Optimizer); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	h, err := ReadHistoryJSON("checkpoint history", bytes.NewReader(c.History))
	if err != nil {
		return nil, err
	}
	if len(h.Logs) != c.NextEpoch {
		return nil, fmt.Errorf("checkpoint: history of %d epochs for a run that continues at epoch %d", len(h.Logs), c.NextEpoch+1)
	}
	if err := so.ImportState(m.Backend(), m.NumParams(), c.Optimizer); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	m.SetHostWeights(c.Weights)
	m.SetSteps(c.Step)
	for i, key := range callbackKeys(callbacks, c.Version) {
		if key == "" {
			continue
		}
		if s, ok := c.Callbacks[key]; ok {
			callbacks[i].(StatefulCallback).SetCallbackState(s)
		}
		if tc, ok := callbacks[i].(TensorStateCallback); ok {
			if err := tc.SetCallbackTensors(c.CallbackTensors[key]); err != nil {
				return nil, fmt.Errorf("checkpoint: %w", err)
			}
		}
		if mc, ok := callbacks[i].(*ModelCheckpoint); ok {
			if err := mc.restoreFiles(h, c.Version == 1); err != nil {
				return nil, fmt.Errorf("checkpoint: %w", err)
			}
		}
	}
	return h, nil
}

// jsonFloat keeps ±Inf (a callback's initial best) through JSON.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatFloat(float64(f), 'g', -1, 64))
}
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	*f = jsonFloat(v)
	return err
}

// checkpointVersion 2 names several callbacks of one type apart
// (callbackKeys) and stores callback vectors; 3 records the digest of the
// whole file (digestKey: header and data; before, "sha256" covered the data
// alone) and may be taken within an epoch (EpochStep). LoadTrainCheckpoint
// reads 1 and 2 too.
const checkpointVersion = 3

// metricsTensor is the tensor of TrainCheckpoint.Metrics.
const metricsTensor = "metrics"

// callbackTensorPrefix starts the names of callback vectors in a checkpoint.
const callbackTensorPrefix = "callback."

// Save writes the checkpoint as safetensors (weights, optimizer slots,
// running metrics and callback vectors as tensors; the rest, with a SHA-256
// of the tensor data and one of the whole file, in the metadata),
// atomically.
func (c *TrainCheckpoint) Save(path string) error {
	c.Version = checkpointVersion
	ts := []NamedTensor{{Name: "weights", Shape: []int{len(c.Weights)}, Data: c.Weights}}
	names := make([]string, 0, len(c.Optimizer.Slots))
	for n := range c.Optimizer.Slots {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := c.Optimizer.Slots[n]
		ts = append(ts, NamedTensor{Name: "optimizer." + n, Shape: []int{len(v)}, Data: v})
	}
	if len(c.Metrics) > 0 {
		ts = append(ts, NamedTensor{Name: metricsTensor, Shape: []int{len(c.Metrics)}, Data: c.Metrics})
	}
	for key, m := range c.CallbackTensors {
		for n, v := range m {
			if len(v) > 0 {
				ts = append(ts, NamedTensor{Name: callbackTensorPrefix + key + "." + n, Shape: []int{len(v)}, Data: v})
			}
		}
	}
	var data bytes.Buffer
	if err := EncodeSafetensors(&data, ts, nil); err != nil {
		return err
	}
	cbs := map[string]map[string]jsonFloat{}
	for k, m := range c.Callbacks {
		cbs[k] = map[string]jsonFloat{}
		for kk, v := range m {
			cbs[k][kk] = jsonFloat(v)
		}
	}
	cbJSON, err := json.Marshal(cbs)
	if err != nil {
		return err
	}
	head, err := json.Marshal(c)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(tensorSection(data.Bytes()))
	meta := map[string]string{"format": stateFormat, "state": string(head), "callbacks": string(cbJSON),
		"sha256": hex.EncodeToString(sum[:])}
	sealMetadata(meta, ts)
	return WriteFileAtomic(path, func(w io.Writer) error { return EncodeSafetensors(w, ts, meta) })
}

// tensorSection is the data after a safetensors header.
func tensorSection(raw []byte) []byte {
	if len(raw) < 8 {
		return nil
	}
	hl := int(uint64(raw[0]) | uint64(raw[1])<<8 | uint64(raw[2])<<16 | uint64(raw[3])<<24)
	if 8+hl > len(raw) {
		return nil
	}
	return raw[8+hl:]
}

// MaxStateFile bounds a training checkpoint read into memory.
const MaxStateFile = 2 << 30

// LoadTrainCheckpoint reads and verifies a checkpoint written by Save.
func LoadTrainCheckpoint(path string) (*TrainCheckpoint, error) {
	raw, err := ReadFile(path, "training state file", MaxStateFile)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	ts, meta, err := DecodeSafetensors(path, raw)
	if err != nil {
		return nil, err
	}
	if meta["format"] != stateFormat {
		return nil, fmt.Errorf("%s: not a training checkpoint (format %q)", path, meta["format"])
	}
	sum := sha256.Sum256(tensorSection(raw))
	if got := hex.EncodeToString(sum[:]); got != meta["sha256"] {
		return nil, fmt.Errorf("%s: checksum mismatch (data SHA-256 %s, recorded %s): the file is corrupt", path, got, meta["sha256"])
	}
	sealed, err := checkDigest(path, meta, ts)
	if err != nil {
		return nil, err
	}
	c := &TrainCheckpoint{}
	if err := json.Unmarshal([]byte(meta["state"]), c); err != nil {
		return nil, fmt.Errorf("%s: bad state metadata: %w", path, err)
	}
	if c.Version < 1 || c.Version > checkpointVersion {
		return nil, fmt.Errorf("%s: checkpoint version %d, this build reads 1 to %d", path, c.Version, checkpointVersion)
	}
	if c.Version >= 3 && !sealed {
		return nil, fmt.Errorf("%s: a version %d checkpoint without its checksum of header and data (%q): the file is corrupt", path, c.Version, digestKey)
	}
	var cbs map[string]map[string]jsonFloat
	if err := json.Unmarshal([]byte(meta["callbacks"]), &cbs); err != nil {
		return nil, fmt.Errorf("%s: bad callback state: %w", path, err)
	}
	c.Callbacks = map[string]map[string]float64{}
	for k, m := range cbs {
		c.Callbacks[k] = map[string]float64{}
		for kk, v := range m {
			c.Callbacks[k][kk] = float64(v)
		}
	}
	w, ok := ts["weights"]
	if !ok {
		return nil, fmt.Errorf("%s: no weights tensor", path)
	}
	c.Weights = w.Data
	c.Optimizer.Slots = map[string][]float32{}
	c.CallbackTensors = map[string]map[string][]float32{}
	for name, t := range ts {
		if slot, ok := strings.CutPrefix(name, "optimizer."); ok && slot != "" {
			c.Optimizer.Slots[slot] = t.Data
		}
		if name == metricsTensor {
			c.Metrics = t.Data
		}
		if rest, ok := strings.CutPrefix(name, callbackTensorPrefix); ok {
			dot := strings.LastIndexByte(rest, '.')
			if dot < 1 || dot == len(rest)-1 {
				return nil, fmt.Errorf("%s: tensor %q is not named %s<callback>.<name>", path, name, callbackTensorPrefix)
			}
			key := rest[:dot]
			if c.CallbackTensors[key] == nil {
				c.CallbackTensors[key] = map[string][]float32{}
			}
			c.CallbackTensors[key][rest[dot+1:]] = t.Data
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// The history is read again by Restore; read here, a bad one is
	// refused naming the file, before the data is loaded.
	if _, err := ReadHistoryJSON(path+": history", bytes.NewReader(c.History)); err != nil {
		return nil, err
	}
	return c, nil
}
