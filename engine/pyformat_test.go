package engine

import (
	"math"
	"strings"
	"testing"
)

// The texts Python writes for the same values: repr(v) (CSVLogger's csv
// module) and "...".format(...) (ModelCheckpoint's file names), from
// CPython's float formatting rules.
func TestPythonFloatText(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{1, "1.0"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {0.1, "0.1"}, {0.98765, "0.98765"},
		{1e-4, "0.0001"}, {1e-5, "1e-05"}, {2.5e-7, "2.5e-07"}, {1234567, "1234567.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {1.5e300, "1.5e+300"},
		{math.NaN(), "nan"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"},
	} {
		if got := pyRepr(c.v); got != c.want {
			t.Errorf("repr(%v) = %q, Python writes %q", c.v, got, c.want)
		}
	}
}

func TestFormatTemplateWritesAsPython(t *testing.T) {
	logs := Logs{"accuracy": 1, "loss": math.NaN(), "val_loss": math.Inf(1), "val_accuracy": 0.123456789, "lr": 123, "small": 1e-5}
	for _, c := range []struct{ tmpl, want string }{
		{"{accuracy}", "1.0"},                    // str(1.0); Go's %g writes 1
		{"{loss:.2f}-{val_loss:.2f}", "nan-inf"}, // Go writes NaN and +Inf
		{"{val_loss:e}", "inf"},
		{"{val_accuracy:g}", "0.123457"}, // 'g' has 6 digits by default
		{"{val_accuracy:.3}", "0.123"},
		{"{accuracy:.3}", "1.0"}, // no type: 'g' keeping a decimal
		// ... and in exponent form from a decimal exponent of precision-1
		{"{accuracy:.1}", "1e+00"}, {"{accuracy:.0}", "1e+00"}, {"{lr:.3}", "1.23e+02"},
		{"{lr:.2}", "1.2e+02"}, {"{lr:.4}", "123.0"}, {"{small:.3}", "1e-05"},
		{"{loss:06.1f}", "000nan"},
		{"{epoch:.2f}", "3.00"},
		{"{epoch:3}", "  3"},
		{"{epoch:-3}|{val_accuracy:+8.2f}|{lr:_>+9,.1f}", "  3|   +0.12|___+123.0"}, // pyformatspec_test.go has the rest
	} {
		got, err := FormatTemplate(c.tmpl, 3, logs)
		if err != nil || got != c.want {
			t.Errorf("FormatTemplate(%q) = %q, %v; Python writes %q", c.tmpl, got, err, c.want)
		}
	}
	// Python refuses 'd' for any float, an integral one too: the template
	// is refused whatever the metric's value, so before the first epoch.
	if _, err := FormatTemplate("{val_loss:02d}", 1, Logs{"val_loss": 0}); err == nil {
		t.Error("{val_loss:02d} formatted a metric of 0; Python refuses 'd' for a float")
	}
}

// Python refuses a precision for an int but with a float type ("Precision
// not allowed in integer format specifier"), and a precision that is not
// digits ("Format specifier missing precision"); Keras's epoch is an int.
// Such a template was taken, its precision dropped ("{epoch:.3}" wrote
// "1"), where Keras fails before writing a file.
func TestFormatTemplateRefusesWhatPythonRefuses(t *testing.T) {
	logs := Logs{"val_loss": 0.5}
	for _, tmpl := range []string{"{epoch:.3}", "{epoch:.3d}", "{epoch:04.2d}", "{epoch:.0}", "{val_loss:.+2f}", "{val_loss:.-1}", "{epoch:.}"} {
		if got, err := FormatTemplate(tmpl, 1, logs); err == nil {
			t.Errorf("FormatTemplate(%q) = %q; Python refuses it", tmpl, got)
		}
	}
	for _, c := range []struct{ tmpl, want string }{
		{"{epoch:03d}", "001"}, {"{epoch}", "1"}, {"{epoch:3}", "  1"}, {"{epoch:.2f}", "1.00"},
		{"{epoch:.2e}", "1.00e+00"}, {"{epoch:.2g}", "1"}, {"{val_loss:.4f}", "0.5000"}, {"{val_loss:.2e}", "5.00e-01"},
	} {
		if got, err := FormatTemplate(c.tmpl, 1, logs); err != nil || got != c.want {
			t.Errorf("FormatTemplate(%q) = %q, %v; Python writes %q", c.tmpl, got, err, c.want)
		}
	}
}

// CSVLogger's rows are written by Python's csv module, repr of each float.
func TestHistoryCSVWritesAsPython(t *testing.T) {
	h := &History{}
	h.Append(0, Logs{"loss": 0.25, "accuracy": 1, "val_loss": math.NaN(), "val_accuracy": 1e-5}, 1)
	var b strings.Builder
	if err := h.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if want := "epoch,accuracy,loss,val_accuracy,val_loss\n0,1.0,0.25,1e-05,nan\n"; b.String() != want {
		t.Errorf("CSV:\n%s\nKeras's CSVLogger writes:\n%s", b.String(), want)
	}
}
