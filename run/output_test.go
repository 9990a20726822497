package run

import (
	"path"
	"path/filepath"
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
