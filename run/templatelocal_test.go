package run

import (
	"strings"
	"testing"
)

// A checkpoint template is judged by a name it formats to: the default
// template's fields hold ':', which Windows' filepath.IsLocal refuses in
// any path, and the names it writes hold none.
func TestTemplateJudgedByItsNames(t *testing.T) {
	for _, c := range []struct {
		t, sample string
		local     bool
	}{
		{DefaultCheckpoint(true), "weights0.0-0.safetensors", true},
		{DefaultCheckpoint(false), "weights0.0-0.safetensors", true},
		{"ck/{epoch:03d}.safetensors", "ck/0.safetensors", true},
		{"{{literal}}-{epoch}.bin", "{literal}-0.bin", true},
		{"../{epoch}.safetensors", "../0.safetensors", false},
		{"/abs/{epoch}.safetensors", "/abs/0.safetensors", false},
	} {
		s := templateSample(c.t)
		if s != c.sample || templateLocal(c.t) != c.local || strings.Contains(s, ":") {
			t.Errorf("%q: sample %q, local %v; want %q, %v", c.t, s, templateLocal(c.t), c.sample, c.local)
		}
	}
}
