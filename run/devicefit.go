package run

import (
	"fmt"

	"mnistgpu/engine"
)

// checkDeviceSettings refuses a device setting that the device asked for
// does not read: worker threads are the CPU's (the cuda backend has none)
// and TensorFloat-32 is cuda's (the CPU computes in fp32 only), so either
// given for the other device would be ignored. "auto" reads both: it opens
// one of the two.
func (c Config) checkDeviceSettings() error {
	name, _, err := engine.ParseDevice(c.Device.Name)
	if err != nil {
		return &ValueError{Flag: "device", Msg: err.Error()}
	}
	switch {
	case name == "cuda" && c.Device.Threads != 0:
		return &ValueError{Flag: "threads", Msg: fmt.Sprintf("%d: worker threads are a CPU setting, and --device %s has none: leave --threads (and MNISTGPU_THREADS) out, or use --device cpu or auto",
			c.Device.Threads, c.Device.Name)}
	case name == "cpu" && c.Device.TF32:
		return &ValueError{Flag: "tf32", Msg: "is a cuda setting (TensorFloat-32 maths on a GPU), and --device cpu computes in fp32 only: leave --tf32 (and MNISTGPU_TF32) out, or use --device cuda or auto"}
	}
	return nil
}

// FitDevice clears the recorded device settings that c's device does not
// read (checkDeviceSettings), unless given now (given(flag) is true): a run
// recorded on the CPU with --threads, or on a GPU with --tf32, continues or
// runs again on the other device without the user undoing a setting that
// device never had.
func (c *Config) FitDevice(given func(flag string) bool) {
	name, _, err := engine.ParseDevice(c.Device.Name)
	if err != nil {
		return
	}
	if name == "cuda" && !given("threads") {
		c.Device.Threads = 0
	}
	if name == "cpu" && !given("tf32") {
		c.Device.TF32 = false
	}
}
