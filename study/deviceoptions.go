package study

import (
	"errors"
	"fmt"
	"io"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// checkDeviceOptions opens, once each, a backend for every set of device
// options among the cells to run (a study may vary tf32), on the first
// slot, and closes it. A backend refuses a setting given outside its
// options when it opens (MNISTGPU_OWN_TF32_GEMM=1 beside a cell in parity
// mode): so the study stops before anything is written, naming the cell,
// rather than that cell failing alone when its turn comes. The options
// checkMemory opens on a GPU (the first cell's) are not opened twice.
func checkDeviceOptions(p *Plan) error {
	opened := map[run.DeviceConfig]bool{}
	first := func(i int) run.DeviceConfig {
		cfg := p.Cells[i].Config
		p.Slots.slots[0].apply(&cfg)
		return cfg.Device
	}
	if p.Resident {
		opened[first(p.Todo[0])] = true
	}
	for _, i := range p.Todo {
		dev := first(i)
		if opened[dev] {
			continue
		}
		opened[dev] = true
		cfg := p.Cells[i].Config
		cfg.Device = dev
		be, err := openBackend(cfg, io.Discard)
		var ve *run.ValueError
		switch {
		case errors.As(err, &ve):
			return &SettingError{fmt.Sprintf("cell %s: %v", p.Cells[i].Key, err)}
		case err != nil:
			return fmt.Errorf("cell %s: %w", p.Cells[i].Key, err)
		}
		if err := engine.Close(be); err != nil {
			return err
		}
	}
	return nil
}
