package study

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// Plan is what a study run will do, decided once before anything is
// written: every cell of the shard with its configuration, whether it is
// complete and the epoch it continues from, its cost and memory; the
// device, auto resolved, and the slots the cells run in. Run executes it;
// `study run --dry-run` prints it (with Estimate's times).
type Plan struct {
	File  File
	Dir   string
	Shard Shard
	Of    int           // cells of the whole study
	Cells []PlannedCell // this shard's cells, in study order
	// Todo indexes the cells to train now, costliest first, so that the
	// last ones to finish are short.
	Todo     []int
	Device   run.DeviceConfig // the cells' common device (auto resolved)
	Slots    placement
	Resident bool // the cells keep their data sets on the device (a GPU)
	// Spelled says that the study file writes a setting otherwise than the
	// folder's study.json for the value its cells train with (a default
	// spelled out or left out); KeepRecord: the study.json stands as written
	// (spelledOut).
	Spelled    []string
	KeepRecord bool
}

// PlannedCell is one cell of a plan.
type PlannedCell struct {
	Cell
	Key      string
	Config   run.Config
	Complete bool
	// Longer is what a complete cell trained past the study's plan (nil:
	// within it): `study run` skips it, and leaves it out of the report.
	Longer *LongerCell
	// NoHistory is why a complete cell has no readable history ("": it
	// has; CellResult.NoHistory): skipped, and left out of the report.
	NoHistory string
	Start     int     // epochs trained already: a continued cell starts after them
	Cost      float64 // training FLOPs of one epoch (see cellCost)
	Memory    int64   // bytes it holds while it trains (see cellMemory)
	// StartStep is the step of epoch Start+1 its state continues after (0:
	// at the epoch's start), and EpochSteps the steps of an epoch (0: not
	// estimated; Estimate sets it).
	StartStep, EpochSteps int
	// Finishing is why a continued cell trains nothing, only writes its
	// weights and result ("": it trains; see finishing); Spent: its step
	// budget is why.
	Finishing string
	Spent     bool
	// TooLarge is why the cell does not fit this machine (a
	// *run.LimitError): it fails alone when it runs, and is not timed.
	TooLarge error
	// Slot and Seconds are Estimate's: the slot the run's queue would give
	// it (-1: none) and the seconds its epochs left would take there (0:
	// not estimated).
	Slot    int
	Seconds float64
}

// NewPlan checks a study and plans its run: every cell's configuration and
// the study folder (see Prepare), the data of the cells trained so far (a
// *run.DataMismatchError when o.Data is not what they trained on), the
// device's memory for the cells placed on it. It writes nothing.
func NewPlan(f File, dir string, base run.Config, o Options) (*Plan, error) {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	cells, cfgs, rec, err := prepare(f, dir, base)
	if err != nil {
		return nil, err
	}
	p := &Plan{File: f, Dir: dir, Shard: o.Shard, Of: len(cells), Spelled: rec.lines, KeepRecord: rec.keep}
	if o.Data != nil {
		// Every cell of a study trains on one data set: one that continues
		// must find its own, and a new one the complete cells' (the study
		// trained new cells on other data beside them, and its report
		// compared them).
		for _, cfg := range cfgs {
			if err := run.CheckData(cfg.Output.Dir, o.Data); err != nil {
				return nil, err
			}
		}
	}
	var todoCfgs []run.Config
	for i, c := range cells {
		if !o.Shard.Has(c.Index) {
			continue
		}
		pc := PlannedCell{Cell: c, Key: c.Key(f.Axes), Config: cfgs[i], Slot: -1}
		pc.Complete = complete(pc.Config)
		if pc.Complete && o.Data != nil {
			if err := earlierCut(pc.Config, o.Data); err != nil {
				return nil, err
			}
		}
		if pc.Complete {
			pc.Longer, pc.NoHistory = completeLonger(f, c, pc.Key, pc.Config.Output.Dir)
		}
		if !pc.Complete {
			p.Todo = append(p.Todo, len(p.Cells))
			todoCfgs = append(todoCfgs, pc.Config)
		}
		p.Cells = append(p.Cells, pc)
	}
	if len(p.Todo) == 0 {
		return p, nil
	}
	if p.Device, err = resolveAuto(todoCfgs, log); err != nil {
		return nil, err
	}
	common := true
	for k, i := range p.Todo {
		p.Cells[i].Config.Device = todoCfgs[k].Device
		common = common && todoCfgs[k].Device.Name == p.Device.Name
	}
	if p.Slots, err = place(p.Device, common, o.Jobs, o.Devices, len(p.Todo)); err != nil {
		return nil, err
	}
	traits, err := engine.DeviceTraits(p.Device.Name)
	if err != nil {
		return nil, &SettingError{fmt.Sprintf("--device %v", err)}
	}
	p.Resident = common && traits.ResidentData // a GPU keeps its data sets on the device
	var need int64
	for _, i := range p.Todo {
		c := &p.Cells[i]
		// The cell's model, built once for its cost and its memory; the
		// rest of Validate passed in Prepare (a recorded study's model file
		// read as it was then: run.BuildRecordedModel).
		m, err := run.BuildRecordedModel(c.Config.Model.Name, c.Config.Model.Activation)
		if err != nil {
			return nil, err
		}
		c.Cost = cellCost(c.Config, m, o.Data)
		cellNeed, err := c.Config.EstimateModel(m)
		if err != nil {
			return nil, err
		}
		c.Memory = cellMemory(c.Config, cellNeed, o.Data, p.Resident)
		if err := c.Config.CheckHost(cellNeed); errors.As(err, new(*run.LimitError)) { // one too large fails alone when it runs
			c.TooLarge = err
		} else {
			need = max(need, c.Memory)
		}
		c.Start = epochsDone(c.Config.Output.Dir)
		c.StartStep, _ = run.SavedStep(c.Config.Output.Dir)
		c.Finishing, c.Spent = finishing(c.Config)
	}
	if err := checkDeviceOptions(p); err != nil {
		return nil, err
	}
	if p.Resident {
		if err := checkMemory(p.Slots, p.Cells[p.Todo[0]].Config, need, log); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(p.Todo, func(a, b int) bool {
		ca, cb := p.Cells[p.Todo[a]], p.Cells[p.Todo[b]]
		return ca.Cost*float64(ca.Config.Epochs) > cb.Cost*float64(cb.Config.Epochs)
	})
	return p, nil
}

// completeLonger is what the complete cell c of f in dir trained past f's
// plan for it, or nil when it did not (merge's rule, trainedOf), and why it
// has no readable history ("" when it has: readCellHistory).
func completeLonger(f File, c Cell, key, dir string) (*LongerCell, string) {
	rec, err := readCell(dir)
	if err != nil {
		return nil, ""
	}
	_, noHistory := readCellHistory(dir, rec)
	t := trainedOf(dir, rec)
	if l, long := pastPlan(f, c, key, max(t.epochs, t.planned), t.steps, t.diverged); long {
		return &l, noHistory
	}
	return nil, noHistory
}

// head is the study's first line: its cells, its shard and those complete.
func (p *Plan) head() string {
	h := fmt.Sprintf("study %s: %s", p.File.Name, plural(len(p.Cells), "cell"))
	if p.Shard.N > 1 {
		h += fmt.Sprintf(" in shard %d/%d (of %d)", p.Shard.K, p.Shard.N, p.Of)
	}
	if n := len(p.Cells) - len(p.Todo); n > 0 {
		h += fmt.Sprintf(", %d already complete", n)
	}
	return h
}
