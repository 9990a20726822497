package run

import (
	"math"
	"testing"

	"mnistgpu/engine"
)

// TestTemplateNamesHoldEveryNumber: templateNames matches every name
// engine.FormatTemplate writes for the template, whatever the metric's
// value: "weights0.03-+Inf.safetensors" was not matched (its 'n' was
// missing from numberText), so --overwrite left such checkpoints behind.
func TestTemplateNamesHoldEveryNumber(t *testing.T) {
	templates := []string{"weights0.{epoch:02d}-{val_loss:.2f}.safetensors", "w-{loss}.st", "w-{loss:08.3e}-{epoch:03d}.st", "w-{loss:g}.st"}
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
