package run

import (
	"errors"
	"io"
	"testing"

	"mnistgpu/engine"
)

func init() {
	engine.Register(engine.DeviceKind{Name: "testbadsetting",
		New: func(engine.Options) (engine.Backend, error) {
			return nil, &engine.SettingError{Msg: "testbadsetting: MNISTGPU_X=\"2\": want 0 or 1"}
		}})
}

// TestOpenBackendSettingIsAValueError: a backend's refusal of a setting
// outside the flags (an environment variable it reads) reaches the CLI as
// a bad value (exit 2), with the backend's words.
func TestOpenBackendSettingIsAValueError(t *testing.T) {
	cfg := Default()
	cfg.Device.Name = "testbadsetting"
	b, err := OpenBackend(cfg, io.Discard)
	var ve *ValueError
	if b != nil || !errors.As(err, &ve) || err.Error() != `testbadsetting: MNISTGPU_X="2": want 0 or 1` {
		t.Errorf("OpenBackend = %v, %v; want a *ValueError with the backend's message", b, err)
	}
}
