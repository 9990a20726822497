package run

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// A run's checkpoints are found by its template; a user's files are not.
func TestTemplateGlob(t *testing.T) {
	for _, c := range []struct {
		template, name string
		match          bool
	}{
		{"weights0.{epoch:02d}-{val_loss:.2f}.safetensors", "weights0.03-0.41.safetensors", true},
		{"weights0.{epoch:02d}-{val_loss:.2f}.safetensors", "mybackup.safetensors", false},
		{"weights0.{epoch:02d}-{val_loss:.2f}.safetensors", "weights0.safetensors", false},
		{"{{x}}-{epoch}.safetensors", "{x}-3.safetensors", true},
		{"a*[{epoch}].st", "a*[3].st", true},
		{"a*[{epoch}].st", "ab[3].st", false},
		{"ckpt/w{epoch}.safetensors", "ckpt/w7.safetensors", true},
	} {
		got, err := filepath.Match(templateGlob(c.template), c.name)
		if err != nil || got != c.match {
			t.Errorf("%s against %s: %v %v, want %v", c.template, c.name, got, err, c.match)
		}
	}
}

// The template's three readings agree with each other and with
// engine.FormatTemplate on what is a field (scanTemplate): an unclosed {
// is text, so its rest is matched as itself ("a{b*" matched a user's
// "a{bXYZ", which --overwrite then took for a checkpoint); a backslash is
// a character of the name (its pattern was malformed, so that no
// checkpoint of such a template was found); and a name's non-ASCII
// letters are matched as written (each byte was taken for a Latin-1
// letter by templateNames, so "é-3.st" was not one of "é-{epoch}.st"'s).
func TestTemplateReadingsAgree(t *testing.T) {
	for _, c := range []struct {
		template, sample, name string
		match                  bool
	}{
		{"a{b*.st", "a{b*.st", "a{bXYZ.st", false},
		{"a{b*.st", "a{b*.st", "a{b*.st", true},
		{"w}{epoch}.st", "w}0.st", "w}12.st", true},
		{`w\{epoch}.st`, `w\0.st`, `w\3.st`, true},
		{"é-{epoch}.st", "é-0.st", "é-3.st", true},
		{"{{x}}-{epoch}-{a{b}.st", "{x}-0-0.st", "{x}-3-0.5.st", true},
		{"ck/{epoch:02d}{{", "ck/0{", "ck/07{", true},
	} {
		if s := templateSample(c.template); s != c.sample {
			t.Errorf("templateSample(%q) = %q, want %q", c.template, s, c.sample)
		}
		if got, err := path.Match(templateGlob(c.template), c.name); err != nil || got != c.match {
			t.Errorf("glob of %q (%q) against %q: %v %v, want %v", c.template, templateGlob(c.template), c.name, got, err, c.match)
		}
		if got := templateNames(c.template).MatchString(c.name); got != c.match {
			t.Errorf("names of %q against %q: %v, want %v", c.template, c.name, got, c.match)
		}
	}
}

// --overwrite removes what runFiles finds: with a template whose glob is
// wide ("{epoch}" is "*"), a user's files and the folder's lock were found
// too, and removed (the lock's loss then stopped the new run).
func TestRunFilesAreTheRunsOnly(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"notes.txt", "mybackup.safetensors", LockFile, ".write-test1", "wish", "3", "7.txt", "w12", "config.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for template, want := range map[string]string{
		"{epoch}":                    "3 config.json",
		"{epoch}.txt":                "7.txt config.json",
		"w{epoch}":                   "config.json w12",
		"{epoch}lock":                "config.json",
		DefaultCheckpoint(true):      "config.json",
		"{epoch}{val_loss:.2f}.safe": "config.json",
	} {
		found, err := runFiles(dir, template)
		if got := strings.Join(found, " "); err != nil || got != want {
			t.Errorf("--checkpoint %q: found %q (%v), want %q", template, got, err, want)
		}
	}
}

// The commands a run prints for pasting keep a folder with a space (or a
// quote) one word, as the system's shell reads it.
func TestPrintedCommandsQuoteTheFolder(t *testing.T) {
	for _, dir := range []string{"runs/cnn-1", "my runs/a", "it's"} {
		want := "--resume " + shellWord(dir) + " "
		if got := (&OutputInUseError{Dir: dir, Files: []string{StateFile}}).Error(); !strings.Contains(got, want) {
			t.Errorf("%q: %s, want %q", dir, got, want)
		}
	}
	if got := (&StoppedError{Dir: "my runs/a", Epoch: 2, Step: 5}).Error(); !strings.HasSuffix(got, "--resume "+shellWord("my runs/a")) {
		t.Errorf("stopped: %s", got)
	}
}

// A word is quoted as its system's shell reads it: Windows' cmd.exe takes
// no single quotes ('C:\my runs' was printed so, and pasted as two words).
func TestShellWordPerSystem(t *testing.T) {
	for _, c := range []struct{ goos, path, want string }{
		{"linux", "runs/cnn-1", "runs/cnn-1"},
		{"linux", "my runs/a", "'my runs/a'"},
		{"linux", "it's", `'it'\''s'`},
		{"darwin", "/tmp/ä", "'/tmp/ä'"},
		{"linux", "C:/runs/x+y@2,=%", "C:/runs/x+y@2,=%"},
		{"linux", `C:\runs`, `'C:\runs'`},
		{"windows", `C:\runs\cnn-1`, `C:\runs\cnn-1`},
		{"windows", `C:\my runs\a`, `"C:\my runs\a"`},
		{"windows", `D:\it's`, `"D:\it's"`},
		{"windows", `x,y@2`, `"x,y@2"`},
		{"windows", "", `""`},
		{"linux", "", "''"},
	} {
		if got := shellWordFor(c.goos, c.path); got != c.want {
			t.Errorf("shellWordFor(%s, %q) = %s, want %s", c.goos, c.path, got, c.want)
		}
	}
}
