package run

import (
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
