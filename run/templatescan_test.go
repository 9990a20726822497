package run

import (
	"errors"
	"math"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// TestTemplateNamesHoldEveryNumber: templateNames matches every name
// engine.FormatTemplate writes for the template, whatever the metric's
// value: "weights0.03-+Inf.safetensors" was not matched (its 'n' was
// missing from numberText), so --overwrite left such checkpoints behind.
// Python's format spec writes grouping, '%', upper case and a fill of the
// template's choosing.
func TestTemplateNamesHoldEveryNumber(t *testing.T) {
	templates := []string{"weights0.{epoch:02d}-{val_loss:.2f}.safetensors", "w-{loss}.st", "w-{loss:08.3e}-{epoch:03d}.st", "w-{loss:g}.st",
		"w-{loss:+012,.2E}-{epoch:x^5}.st", "w-{loss:%}-{epoch:*<4n}.st", "w-{loss:_F}.st", "w-{loss:-^14.3G}-{epoch:é>3}.st", "w-{loss:]>9.1f}{epoch:^=+4}"}
	values := []float64{0, 0.0312, -2.5, 1e300, -1e-300, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, tmpl := range templates {
		for _, v := range values {
			name, err := engine.FormatTemplate(tmpl, 3, engine.Logs{"loss": v, "val_loss": v})
			if err != nil {
				t.Fatal(err)
			}
			if !templateNames(tmpl).MatchString(name) {
				t.Errorf("templateNames(%q) does not match %q, which it formats to", tmpl, name)
			}
		}
	}
}

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
