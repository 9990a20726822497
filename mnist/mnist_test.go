package mnist

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const small = "../testdata/mnist-small"

func TestLoadSubset(t *testing.T) {
	s, err := LoadDir(small, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 2000 || s.Test.Len() != 500 || s.Train.Shape.Size() != 784 {
		t.Fatalf("loaded %d/%d images of shape %v", s.Train.Len(), s.Test.Len(), s.Train.Shape)
	}
	// The first training labels of MNIST are 5 0 4 1 9.
	if got := s.Train.Labels[:5]; !bytes.Equal(got, []byte{5, 0, 4, 1, 9}) {
		t.Errorf("first labels %v", got)
	}
	if _, err := LoadDir(small, true); err == nil || !strings.Contains(err.Error(), "bad checksum") {
		t.Errorf("verifying the subset against canonical sums: %v, want a bad checksum error", err)
	}
}

func writeSet(t *testing.T, dir string, mutate func(name string, raw []byte) []byte) {
	t.Helper()
	for _, f := range Files {
		raw, err := os.ReadFile(filepath.Join(small, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		zr, _ := gzip.NewReader(bytes.NewReader(raw))
		var plain bytes.Buffer
		plain.ReadFrom(zr)
		out := mutate(f.Name, plain.Bytes())
		if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(f.Name, ".gz")), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func gzipped(raw []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	return b.Bytes()
}

func TestValidationErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(name string, raw []byte) []byte
		want   string
	}{
		{"wrong magic", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "train-images") {
				r[3] = 0x01
			}
			return r
		}, "wrong magic"},
		{"truncated", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "t10k-images") {
				return r[:len(r)-100]
			}
			return r
		}, "truncated"},
		{"count mismatch", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "train-labels") {
				r[7]-- // 2000 → 1999 labels, and one byte too many
				return r[:len(r)-1]
			}
			return r
		}, "labels"},
		{"bad label", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "t10k-labels") {
				r[20] = 10
			}
			return r
		}, "not a class"},
		{"huge header", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "train-images") {
				r[4], r[5] = 0x7f, 0xff
			}
			return r
		}, "implausible"},
		{"extra bytes", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "t10k-labels") {
				return append(r, 1, 2)
			}
			return r
		}, "more"},
		// A test set of 14×14 images beside 28×28 training images trained,
		// then panicked in the final evaluation.
		{"other image size", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "t10k-images") {
				r[11], r[15] = 14, 14
				return r[:16+500*14*14]
			}
			return r
		}, "images are 14×14, MNIST's are 28×28"},
		// gzip checks its CRC and length at the end of the stream, which
		// was read as the end of the data whatever its error.
		{"gzip cut before its trailer", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "train-labels") {
				z := gzipped(r)
				return z[:len(z)-4]
			}
			return r
		}, "after its 2000 data bytes: unexpected EOF"},
		{"gzip CRC wrong", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "train-labels") {
				z := gzipped(r)
				z[len(z)-8]++
				return z
			}
			return r
		}, "after its 2000 data bytes: gzip: invalid checksum"},
		{"data after the gzip stream", func(n string, r []byte) []byte {
			if strings.HasPrefix(n, "train-labels") {
				return append(gzipped(r), "garbage!"...)
			}
			return r
		}, "after its 2000 data bytes: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSet(t, dir, c.mutate)
			_, err := LoadDir(dir, false)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("err = %v, want one naming a file in %s and saying %q", err, dir, c.want)
			}
			// writeSet writes the files uncompressed: an error names them so.
			if err != nil && strings.Contains(err.Error(), ".gz") {
				t.Errorf("err = %v names a .gz file; the folder holds the uncompressed ones", err)
			}
		})
	}
	if _, err := LoadDir(t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("empty folder: %v", err)
	}
}

// TestDownloadFromLocalServer serves the canonical files (from the GoMNIST
// module) over loopback HTTP behind a failing and a corrupting mirror.
func TestDownloadFromLocalServer(t *testing.T) {
	modDir, ok := ModuleDir()
	if !ok {
		t.Skip("GoMNIST module not in the module cache; run `go mod download " + GoModule + "`")
	}
	var good atomic.Int32
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusNotFound)
	}))
	defer bad.Close()
	corrupt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not mnist"))
	}))
	defer corrupt.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		good.Add(1)
		http.ServeFile(w, r, filepath.Join(modDir, filepath.Base(r.URL.Path)))
	}))
	defer srv.Close()
	cache := t.TempDir()
	s, err := Locate(Options{CacheDir: cache, Mirrors: []string{bad.URL, corrupt.URL, srv.URL + "/mnist/"}, Verify: true, Module: noModule})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 60000 || s.Test.Len() != 10000 || !strings.HasPrefix(s.From, "download") {
		t.Fatalf("got %d/%d from %q", s.Train.Len(), s.Test.Len(), s.From)
	}
	if good.Load() != 4 {
		t.Errorf("%d requests reached the good mirror, want 4", good.Load())
	}
	// Second time: served from the cache without any request.
	s, err = Locate(Options{CacheDir: cache, Mirrors: []string{srv.URL}, Verify: true, Module: noModule})
	if err != nil || !strings.HasPrefix(s.From, "cache") || good.Load() != 4 {
		t.Errorf("second Locate: %v from %q, %d requests", err, s.From, good.Load())
	}
	// All mirrors failing offline-style: the error names each failure.
	if err := Download(t.TempDir(), []string{bad.URL, corrupt.URL}, nil, func(string, ...any) {}); err == nil ||
		!strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "bad checksum") {
		t.Errorf("Download with only bad mirrors: %v", err)
	}
}

func noModule() (string, bool) { return "", false }

// TestOfflineCopyFirst: with the Go module's copy there, no mirror is
// asked and nothing about mirrors is said (make train said "no such host"
// three times before using it).
func TestOfflineCopyFirst(t *testing.T) {
	if _, ok := ModuleDir(); !ok {
		t.Skip("GoMNIST module not in the module cache")
	}
	var asked atomic.Int32
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "unreachable", http.StatusBadGateway)
	}))
	defer mirror.Close()
	var log strings.Builder
	s, err := Locate(Options{CacheDir: t.TempDir(), Mirrors: []string{mirror.URL}, Verify: true, Log: &log})
	if err != nil || !strings.HasPrefix(s.From, "Go module") {
		t.Fatalf("Locate: %v", err)
	}
	if asked.Load() != 0 || log.Len() != 0 {
		t.Errorf("%d requests to a mirror; log %q", asked.Load(), log.String())
	}
}

// TestFailedDownloadSaysSo: without the module's copy, every failed
// download is logged, and the error names what was tried.
func TestFailedDownloadSaysSo(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unreachable", http.StatusBadGateway)
	}))
	defer down.Close()
	var log strings.Builder
	_, err := Locate(Options{CacheDir: t.TempDir(), Mirrors: []string{down.URL}, Verify: true, Log: &log, Module: noModule})
	if err == nil || !strings.Contains(err.Error(), "go mod download") || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Locate: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], "not in the module cache") || !strings.HasPrefix(lines[1], "downloading ") || !strings.Contains(lines[2], "failed: ") {
		t.Errorf("log:\n%s", log.String())
	}
	if _, err := Locate(Options{CacheDir: t.TempDir(), Mirrors: []string{down.URL}, Offline: true, Module: noModule}); err == nil || !strings.Contains(err.Error(), "--offline") {
		t.Errorf("offline without the module: %v", err)
	}
}

func TestLocateOfflineUsesModule(t *testing.T) {
	if _, ok := ModuleDir(); !ok {
		t.Skip("GoMNIST module not in the module cache")
	}
	cache := t.TempDir()
	s, err := Locate(Options{CacheDir: cache, Offline: true, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.From, "Go module") || !Complete(cache) {
		t.Errorf("from %q; cache complete: %v", s.From, Complete(cache))
	}
}

// TestHugeDeclaredSizeIsRefused: a header declaring 1,048,576 images of
// 1024×1024 (a terabyte) is refused before any data is read; found by
// FuzzReadImages, where a gzip stream that expands kept the reader busy.
func TestHugeDeclaredSizeIsRefused(t *testing.T) {
	hdr := []byte{0, 0, 8, 3, 0, 0x10, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0}
	_, _, _, _, err := ReadImages("huge.idx", bytes.NewReader(hdr))
	if err == nil || !strings.Contains(err.Error(), "implausible") {
		t.Errorf("err = %v", err)
	}
}

// TestLocateTestOnly: the test set alone (evaluate) needs, reads and
// verifies its two files only: canonical test files beside training files
// of another set load with verification, where the whole set is refused.
func TestLocateTestOnly(t *testing.T) {
	mod, ok := ModuleDir()
	if !ok {
		t.Skip("GoMNIST module not in the module cache")
	}
	dir := t.TempDir()
	for _, f := range Files {
		from := mod
		if f == Files[0] || f == Files[1] {
			from = small // a subset: not the canonical training files
		}
		raw, err := os.ReadFile(filepath.Join(from, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f.Name), raw, 0o644)
	}
	s, err := Locate(Options{Dir: dir, Verify: true, TestOnly: true})
	if err != nil || s.Test.Len() != TestImages || s.Train.Len() != 0 {
		t.Fatalf("the canonical test files, verified: %v", err)
	}
	if _, err := Locate(Options{Dir: dir, Verify: true}); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz: bad checksum") {
		t.Errorf("the whole set, verified: %v; want the training images' bad checksum", err)
	}
	// An empty cache that holds the test files alone serves them.
	cache := t.TempDir()
	for _, f := range TestFiles {
		raw, _ := os.ReadFile(filepath.Join(mod, f.Name))
		os.WriteFile(filepath.Join(cache, f.Name), raw, 0o644)
	}
	if s, err := Locate(Options{CacheDir: cache, Offline: true, Verify: true, TestOnly: true, Module: noModule}); err != nil || !strings.HasPrefix(s.From, "cache") {
		t.Errorf("a cache of the test files: %v", err)
	}
}
