package engine

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DeviceKind is a kind of backend as it registers itself (from its
// package's init): how to open one, whether one can be opened here, and the
// traits every backend of the kind has, so that callers decide where data
// lives and who gets the host's threads without opening one.
type DeviceKind struct {
	Name string
	New  Factory
	// Present says why no device of this kind can be opened here (a build
	// without it, no driver, no device); nil: one can. A nil Present is
	// always present.
	Present func() error
	// Traits are those of every backend of the kind (Simulated, known only
	// once one is open, is left false).
	Traits Traits
	// Auto is the kind's rank when the device is "auto": the present kind
	// with the highest rank is opened, and a kind of rank 0 only when no
	// ranked kind opens.
	Auto int
}

var (
	regMu    sync.Mutex
	registry = map[string]DeviceKind{}
)

// Register makes a kind of backend available by name.
func Register(k DeviceKind) {
	if k.Name == "" || k.New == nil {
		panic("engine: Register needs a name and a factory")
	}
	regMu.Lock()
	defer regMu.Unlock()
	registry[k.Name] = k
}

// Backends lists the registered backend names, sorted.
func Backends() []string {
	regMu.Lock()
	defer regMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func kind(name string) (DeviceKind, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	k, ok := registry[name]
	return k, ok
}

// NewBackend creates the backend registered under name with options opt.
func NewBackend(name string, opt Options) (Backend, error) {
	k, ok := kind(name)
	if !ok {
		return nil, fmt.Errorf("unknown device %q (registered: %v)", name, Backends())
	}
	if opt.Threads < 0 || opt.DeviceIndex < 0 {
		return nil, fmt.Errorf("device %s: threads %d and device index %d must not be negative", name, opt.Threads, opt.DeviceIndex)
	}
	return k.New(opt)
}

// ParseDevice splits a device string, "cpu", "cuda", "cuda:1" or "auto",
// into a registered kind (or "auto") and a device index (0 without one).
func ParseDevice(s string) (name string, index int, err error) {
	name, idx, has := strings.Cut(s, ":")
	if name == "" {
		return "", 0, fmt.Errorf("empty device name")
	}
	if has {
		if index, err = strconv.Atoi(idx); err != nil || index < 0 {
			return "", 0, fmt.Errorf("device %q: want NAME or NAME:INDEX with INDEX ≥ 0", s)
		}
	}
	if _, ok := kind(name); !ok && name != "auto" {
		return "", 0, fmt.Errorf("unknown device %q (want auto or one of %v)", s, Backends())
	}
	return name, index, nil
}

// autoOrder lists the kinds "auto" tries, highest rank first (by name
// between equal ranks).
func autoOrder() []DeviceKind {
	regMu.Lock()
	defer regMu.Unlock()
	var ks []DeviceKind
	for _, k := range registry {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].Auto != ks[j].Auto {
			return ks[i].Auto > ks[j].Auto
		}
		return ks[i].Name < ks[j].Name
	})
	return ks
}

// DeviceTraits are the traits of the kind of device s names, without
// opening one; "auto" is the kind it would pick now (the first present
// ranked kind, else the unranked fallback).
func DeviceTraits(s string) (Traits, error) {
	r, err := ResolveDevice(s)
	if err != nil {
		return Traits{}, err
	}
	name, _, _ := strings.Cut(r, ":")
	k, _ := kind(name)
	return k.Traits, nil
}

// OpenDevice turns a device string into an open backend with options opt
// (whose DeviceIndex it sets from the string): the one place a device is
// decided. "auto" opens the present kind of highest rank, falling back to
// the unranked kind (cpu) and saying why on log.
func OpenDevice(s string, opt Options, log io.Writer) (Backend, error) {
	name, index, err := ParseDevice(s)
	if err != nil {
		return nil, err
	}
	opt.DeviceIndex = index
	if name != "auto" {
		return NewBackend(name, opt)
	}
	var why []string
	for _, k := range autoOrder() {
		if k.Auto == 0 {
			opt.DeviceIndex = 0
			b, err := k.New(opt)
			if err == nil && log != nil {
				reason := ""
				if len(why) > 0 {
					reason = " (" + strings.Join(why, "; ") + ")"
				}
				fmt.Fprintf(log, "device auto: using %s%s\n", k.Name, reason)
			}
			return b, err
		}
		if k.Present != nil {
			if err := k.Present(); err != nil {
				why = append(why, because(k.Name, err))
				continue
			}
		}
		b, err := k.New(opt)
		var setting *SettingError
		if errors.As(err, &setting) {
			return nil, err
		}
		if err == nil {
			if log != nil {
				fmt.Fprintf(log, "device auto: using %s\n", b.Describe())
			}
			return b, nil
		}
		why = append(why, because(k.Name, err))
	}
	return nil, fmt.Errorf("device auto: nothing to fall back to (%s)", strings.Join(why, "; "))
}

// because is why auto passed over the kind name, which err gave: prefixed
// with the kind's name unless err already begins with it (the cuda
// backend's errors do: "cuda: threads is a CPU setting" was printed as
// "cuda: cuda: threads is a CPU setting").
func because(name string, err error) string {
	if msg := err.Error(); strings.HasPrefix(msg, name+": ") {
		return msg
	}
	return fmt.Sprintf("%s: %v", name, err)
}

// ResolveDevice is s with "auto" replaced by the kind OpenDevice would try
// first now (without opening one); any other device string is returned as
// it is.
func ResolveDevice(s string) (string, error) {
	name, _, err := ParseDevice(s)
	if err != nil || name != "auto" {
		return s, err
	}
	for _, k := range autoOrder() {
		if k.Auto == 0 || k.Present == nil || k.Present() == nil {
			return k.Name, nil
		}
	}
	return "", fmt.Errorf("device auto: no device kind is registered")
}
