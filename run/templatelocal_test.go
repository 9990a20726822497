package run

import (
	"errors"
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

// A field in a checkpoint template's folder is refused before anything
// runs: the folder is made when training begins, with the field unformatted
// ("ep{epoch:02d}"), and the first checkpoint then failed after its epoch
// had trained. A fixed folder, an escaped brace, and a field that ".."
// takes out of the path are fine.
func TestTemplateFolderHasNoField(t *testing.T) {
	dir := t.TempDir()
	for tmpl, refused := range map[string]bool{
		"ep{epoch:02d}/weights.safetensors":     true,
		"ck/{val_loss:e}/w-{epoch}.safetensors": true,
		"ck/{epoch:03d}.safetensors":            false,
		"{{ck}}/{epoch}.safetensors":            false,
		"{epoch}/../x{epoch}.safetensors":       false,
	} {
		err := checkTemplate(tmpl, dir)
		var ve *ValueError
		if got := errors.As(err, &ve) && strings.Contains(err.Error(), "has a field in its folder"); got != refused {
			t.Errorf("--checkpoint %q: %v; refused as a field in its folder: %v, want %v", tmpl, err, got, refused)
		}
	}
}
