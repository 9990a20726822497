package engine

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// stubBackend is a registered kind's backend in the registry's tests: its
// name is all it has.
type stubBackend struct {
	Backend
	name string
}

func (s stubBackend) Name() string     { return s.name }
func (s stubBackend) Describe() string { return s.name + " (test)" }
func (s stubBackend) Close() error     { return nil }

func registerStub(name string, auto int, present, open error, traits Traits) {
	Register(DeviceKind{Name: name, Auto: auto, Traits: traits,
		Present: func() error { return present },
		New: func(opt Options) (Backend, error) {
			if open != nil {
				return nil, open
			}
			return stubBackend{name: name}, nil
		}})
}

// TestDeviceRegistry: device strings become a kind and index or a clear
// error; auto opens the present kind of highest rank and falls back to the
// unranked one saying why; traits are known without opening.
func TestDeviceRegistry(t *testing.T) {
	saved := registry
	t.Cleanup(func() { registry = saved })
	registry = map[string]DeviceKind{}
	registerStub("host", 0, nil, nil, Traits{HostThreads: true})
	registerStub("accel", 2, errors.New("no card"), nil, Traits{ResidentData: true})
	// other's error names its kind already, as the cuda backend's do: auto
	// says it once.
	registerStub("other", 1, nil, errors.New("other: driver too old"), Traits{ResidentData: true})

	for _, c := range []struct {
		in    string
		name  string
		index int
		err   string
	}{
		{"host", "host", 0, ""}, {"accel:3", "accel", 3, ""}, {"auto", "auto", 0, ""},
		{"", "", 0, "empty device name"}, {"accel:-1", "", 0, "INDEX ≥ 0"}, {"accel:x", "", 0, "INDEX ≥ 0"},
		{"gpu", "", 0, `unknown device "gpu"`},
	} {
		name, index, err := ParseDevice(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseDevice(%q) error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || name != c.name || index != c.index {
			t.Errorf("ParseDevice(%q) = %q, %d, %v; want %q, %d", c.in, name, index, err, c.name, c.index)
		}
	}

	// accel is absent, other is present but fails to open: auto says both
	// and uses host.
	var log bytes.Buffer
	b, err := OpenDevice("auto", Options{}, &log)
	if err != nil || b.Name() != "host" {
		t.Fatalf("OpenDevice(auto) = %v, %v; want host", b, err)
	}
	if want := "device auto: using host (accel: no card; other: driver too old)\n"; log.String() != want {
		t.Errorf("auto said %q, want %q", log.String(), want)
	}
	// ResolveDevice and DeviceTraits ask Present only (other is present).
	if d, err := ResolveDevice("auto"); err != nil || d != "other" {
		t.Errorf("ResolveDevice(auto) = %q, %v; want other", d, err)
	}
	if tr, err := DeviceTraits("host"); err != nil || !tr.HostThreads || tr.ResidentData {
		t.Errorf("DeviceTraits(host) = %+v, %v", tr, err)
	}
	if tr, err := DeviceTraits("accel:1"); err != nil || !tr.ResidentData {
		t.Errorf("DeviceTraits(accel:1) = %+v, %v", tr, err)
	}
	registerStub("accel", 2, nil, nil, Traits{ResidentData: true})
	log.Reset()
	if b, err := OpenDevice("auto", Options{}, &log); err != nil || b.Name() != "accel" || log.String() != "device auto: using accel (test)\n" {
		t.Errorf("OpenDevice(auto) with accel present = %v, %v, said %q", b, err, log.String())
	}
}

// TestAutoStopsAtASetting: a ranked kind that refuses a setting the user
// gave (SettingError) is the answer of "auto", not a reason to fall back to
// the unranked kind, which would drop the setting without a word.
func TestAutoStopsAtASetting(t *testing.T) {
	saved := registry
	t.Cleanup(func() { registry = saved })
	registry = map[string]DeviceKind{}
	registerStub("host", 0, nil, nil, Traits{HostThreads: true})
	registerStub("accel", 2, nil, &SettingError{Msg: `accel: MNISTGPU_X="2": want 0 or 1`}, Traits{ResidentData: true})
	var log bytes.Buffer
	b, err := OpenDevice("auto", Options{}, &log)
	var se *SettingError
	if b != nil || !errors.As(err, &se) || log.Len() != 0 {
		t.Errorf("OpenDevice(auto) = %v, %v, said %q; want accel's setting error and no fallback", b, err, log.String())
	}
}
