package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpoint template whose format Python refuses for the epoch, an int
// ("Precision not allowed in integer format specifier"), is refused with
// exit 2 naming --checkpoint and the field, before the data is looked for;
// it was taken, and wrote "ckpt-1-..." with its precision dropped. What
// Python takes is still taken (the data folder's absence is the refusal).
func TestCheckpointTemplateRefusesAPrecisionOnTheEpoch(t *testing.T) {
	dir := t.TempDir()
	nowhere := filepath.Join(dir, "nowhere")
	args := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", nowhere, "--offline", "--out", filepath.Join(dir, "run")}
	for _, c := range []struct{ tmpl, field string }{{"ckpt-{epoch:.3}-{val_loss:.3f}", "epoch:.3"}, {"ckpt-{epoch:03.2d}", "epoch:03.2d"}} {
		err := cliRun(append(args, "--checkpoint", c.tmpl)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "--checkpoint") || !strings.Contains(err.Error(), `field "`+c.field+`"`) {
			t.Errorf("--checkpoint %s: %v, want exit 2 naming --checkpoint and field %q", c.tmpl, err, c.field)
		}
	}
	for _, tmpl := range []string{"ckpt-{epoch:03d}-{val_loss:.4f}", "ckpt-{epoch}-{val_loss:.2e}", "ckpt-{epoch:.2f}"} {
		err := cliRun(append(args, "--checkpoint", tmpl)...)
		if err == nil || strings.Contains(err.Error(), "--checkpoint") || !strings.Contains(err.Error(), nowhere) {
			t.Errorf("--checkpoint %s: %v, want it taken and the data folder refused", tmpl, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused commands wrote %v", entries)
	}
}

// A checkpoint template is written as Python's str.format writes it, sign,
// fill and alignment too: "{epoch:-3}" pads the epoch to 3 and
// "{epoch:+}" signs it (they wrote "1", the '-' and '+' taken for the
// width's). What mnistgpu does not write, as Python refuses it or as no
// file name wants it (another base, a separator as the fill), is refused
// before anything runs, exit 2, naming --checkpoint and the field.
func TestCheckpointTemplateWritesAsPython(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--out", dir}, smallData...)
	for _, c := range []struct{ tmpl, field string }{
		{"ck-{epoch:x}", "epoch:x"}, {"ck-{epoch:/>5}", "epoch:/>5"}, {"ck-{val_loss:,n}", "val_loss:,n"},
		{"ck-{epoch:z}", "epoch:z"}, {"ck-{epoch:0-3}", "epoch:0-3"}, {"ck-{val_loss:.2d}", "val_loss:.2d"},
	} {
		err := cliRun(append(args, "--checkpoint", c.tmpl)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "--checkpoint") || !strings.Contains(err.Error(), `field "`+c.field+`"`) {
			t.Errorf("--checkpoint %s: %v, want exit 2 naming --checkpoint and field %q", c.tmpl, err, c.field)
		}
	}
	// A fill of dots before the first field hides the names, as the
	// run's lock and temporaries are.
	for _, tmpl := range []string{"{epoch:.>5}.safetensors", "{val_loss:.^12.3f}"} {
		if err := cliRun(append(args, "--checkpoint", tmpl)...); exitCode(err) != 2 || !strings.Contains(err.Error(), "hidden name") {
			t.Errorf("--checkpoint %s: %v, want exit 2: a hidden name", tmpl, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused commands wrote %v", entries)
	}
	if err := cliRun(append(args, "--checkpoint", "ck{epoch:-3}{epoch:+}{epoch:*^5}{epoch:_<+4}{epoch:.>3}.safetensors")...); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ck  1+1**1**+1__..1.safetensors")); err != nil {
		t.Errorf("the checkpoint is not named as Python names it: %v", err)
	}
}
