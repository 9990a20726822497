package run

import (
	"fmt"

	"mnistgpu/engine"
)

// checkDeviceSettings refuses a device setting that the device asked for
// does not read: worker threads are the CPU's (the cuda backend has none)
// and TensorFloat-32 is cuda's (the CPU computes in fp32 only), so either
// given for the other device would be ignored (DeviceReads: "auto" reads
// both, as it opens one of the two).
func (c Config) checkDeviceSettings() error {
	if _, _, err := engine.ParseDevice(c.Device.Name); err != nil {
		return &ValueError{Flag: "device", Msg: err.Error()}
	}
	switch {
	case c.Device.Threads != 0 && !c.DeviceReads("threads"):
		return &ValueError{Flag: "threads", Msg: fmt.Sprintf("%d: worker threads are a CPU setting, and --device %s has none: leave --threads out, or use --device cpu or auto",
			c.Device.Threads, c.Device.Name)}
	case c.Device.TF32 && !c.DeviceReads("tf32"):
		return &ValueError{Flag: "tf32", Msg: "is a cuda setting (TensorFloat-32 maths on a GPU), and --device cpu computes in fp32 only: leave --tf32 out, or use --device cuda or auto"}
	}
	return nil
}

// DeviceReads reports whether c's device reads the device setting flag:
// "threads" the CPU's (and auto's, which may open it), "tf32" cuda's (and
// auto's); every other setting is read on every device.
func (c Config) DeviceReads(flag string) bool {
	name, _, err := engine.ParseDevice(c.Device.Name)
	if err != nil {
		return true
	}
	switch flag {
	case "threads":
		return name != "cuda"
	case "tf32":
		return name != "cpu"
	}
	return true
}

// AutoDrops reports whether c's device is auto and the device auto opens
// here does not read the device setting flag (a GPU, for --threads):
// FitDevice clears it, and a value the user gave (typed, in a study file,
// recorded by the run) is said to go unused; a default (an exported
// variable) goes in silence.
func (c Config) AutoDrops(flag string) bool { return !c.autoReads(flag) }

// RecordedUnused names the --threads recorded in the run whose state is ck
// ("--threads 3", "" for none) when cfg, that run resumed, goes without it
// because its --device auto opens a GPU here, or because it is resumed on
// --device cuda (LoadResume and ApplyOnResume clear it, as FitDevice
// says), for the resume to say so.
func RecordedUnused(cfg Config, ck *engine.TrainCheckpoint) string {
	if !cfg.AutoDrops("threads") && cfg.DeviceReads("threads") {
		return ""
	}
	rec, err := decodeConfig(ck.Config)
	if err != nil || rec.Device.Threads == 0 {
		return ""
	}
	return fmt.Sprintf("--threads %d", rec.Device.Threads)
}

// RecordedTF32Unused reports whether the run whose state is ck recorded
// --tf32 (a GPU run) and cfg, that run resumed, goes without it because its
// device computes in fp32 only (FitDevice clears it), for the resume to
// say so, as RecordedUnused does of --threads on a GPU.
func RecordedTF32Unused(cfg Config, ck *engine.TrainCheckpoint) bool {
	if cfg.DeviceReads("tf32") {
		return false
	}
	rec, err := decodeConfig(ck.Config)
	return err == nil && rec.Device.TF32
}

// autoReads reports whether the kind --device auto would open now reads
// the device setting flag (true for any other device).
func (c Config) autoReads(flag string) bool {
	if name, _, err := engine.ParseDevice(c.Device.Name); err != nil || name != "auto" {
		return true
	}
	r, err := engine.ResolveDevice("auto")
	if err != nil {
		return true
	}
	return Config{Device: DeviceConfig{Name: r}}.DeviceReads(flag)
}

// FitDevice clears the device settings that c's device does not read
// (DeviceReads), unless typed now (typed(flag) is true; typed, they are
// checked and refused with the rest): a run recorded on the CPU with
// --threads, or on a GPU with --tf32, continues or runs again on the other
// device without the user undoing a setting that device never had, and an
// exported MNISTGPU_THREADS or MNISTGPU_TF32 (a default for the device that
// reads it) does not refuse a run on the other.
//
// With --device auto, --threads is for the CPU auto may open: where auto
// opens cuda it goes, typed or not (it kept auto off the GPU), and unused
// lists it when typed, for the caller to say so.
func (c *Config) FitDevice(typed func(flag string) bool) (unused []string) {
	if c.Device.Threads != 0 && !c.autoReads("threads") {
		if typed("threads") {
			unused = append(unused, fmt.Sprintf("--threads %d", c.Device.Threads))
		}
		c.Device.Threads = 0
	}
	if !c.DeviceReads("threads") && !typed("threads") {
		c.Device.Threads = 0
	}
	if !c.DeviceReads("tf32") && !typed("tf32") {
		c.Device.TF32 = false
	}
	return unused
}
