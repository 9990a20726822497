package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"mnistgpu/mnist"
)

// TestREADMECommands runs every `bin/mnistgpu ...` line of the README's
// code blocks, as a user would paste them, and fails when one exits
// non-zero (the README's cosine example failed at its last epoch). They run
// in one folder, in the README's order, so that later lines find what
// earlier ones wrote (runs/latest, runs/report), on a 128-image subset of
// testdata/mnist-small so that each trains in moments. Rewritten to fit:
// --data-dir and --no-verify where the command has them; fewer --epochs and
// a shard of a study (see adaptForTest); train lines writing to the
// default --out get --overwrite, as each would replace the one before. Before them, a run in runs/cnn
// stands for the one the evaluate, predict and --resume lines name, and
// the files they name (my-model.json, digit.png, my-digit.jpg) are made.
func TestREADMECommands(t *testing.T) {
	lines := readmeCommands(t, "../../README.md")
	if len(lines) < 15 {
		t.Fatalf("found %d bin/mnistgpu lines in the README's code blocks; the parser lost them", len(lines))
	}
	work := t.TempDir()
	data := tinyMNIST(t, filepath.Join(work, "tiny-mnist"), 128, 64)
	writeREADMEFiles(t, work)
	app := newApp()
	run := func(args []string) string {
		t.Helper()
		args = adaptForTest(app, args, data)
		cmd := command(args...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("bin/mnistgpu %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	checkModelLine(t, run([]string{"train", "--model", "cnn", "--epochs", "1", "--out", "runs/cnn"}))
	checkConfigKeys(t, filepath.Join(work, "runs", "cnn", "config.json"))
	for _, args := range lines {
		if why := needsMoreThanACPU(args); why != "" {
			t.Logf("skipped bin/mnistgpu %s: %s", strings.Join(args, " "), why)
			continue
		}
		out := run(args)
		line := strings.Join(args, " ")
		if line == "summary --model cnn" && !strings.Contains(out, "Total params: 421,642") {
			t.Errorf("bin/mnistgpu %s: the README says a table of 421,642 params; it printed\n%s", line, out)
		}
		// The README's dry run comes before any line that writes its
		// folder: "nothing trained or written".
		for i, a := range args {
			if a == "--out" && i+1 < len(args) && strings.Contains(line, "--dry-run") {
				if _, err := os.Stat(filepath.Join(work, args[i+1])); err == nil {
					t.Errorf("bin/mnistgpu %s wrote %s", line, args[i+1])
				}
			}
		}
	}
	// What the README's comments say the lines write: the study's report
	// and the run's curves as a PNG beside its history.
	for _, f := range []string{"runs/report/report/report.html", "runs/latest/curves.png"} {
		if _, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Errorf("the README's lines did not write %s: %v", f, err)
		}
	}
}

// checkModelLine: the README quotes a run's model line ("The run's model
// line (after the line naming its data) gives the optimizer the same way:
// `cnn on cpu: ... adam lr=0.001 ...`"); out, a default run's output, has
// that line, its pieces in that order, second after the data's. The README
// called it the run's first line, where the first names the data.
func checkModelLine(t *testing.T, out string) {
	t.Helper()
	raw, _ := os.ReadFile("../../README.md")
	_, quoted, ok := strings.Cut(strings.Join(strings.Fields(string(raw)), " "), "The run's model line (after the line naming its data) gives the optimizer the same way: `")
	quoted, _, _ = strings.Cut(quoted, "`")
	if !ok || !strings.HasPrefix(quoted, "cnn on cpu:") {
		t.Fatalf("the README no longer quotes the model line as this test reads it: %q", quoted)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], "MNIST: ") {
		t.Fatalf("a run's first line is not the data's:\n%s", out)
	}
	line := lines[1]
	for _, piece := range strings.Split(quoted, "...") {
		i := strings.Index(line, strings.TrimSpace(piece))
		if i < 0 {
			t.Errorf("the README quotes the model line as %q; the run's second line %q has no %q there", quoted, lines[1], strings.TrimSpace(piece))
			return
		}
		line = line[i+len(strings.TrimSpace(piece)):]
	}
}

// checkConfigKeys: the README lists config.json's keys ("`config.json`
// holds every setting of `run.Config` by its JSON name (`model`, ...)");
// they are the keys of the config.json at path, a run's.
func checkConfigKeys(t *testing.T, path string) {
	t.Helper()
	raw, _ := os.ReadFile("../../README.md")
	_, list, ok := strings.Cut(strings.Join(strings.Fields(string(raw)), " "), "`config.json` holds every setting of `run.Config` by its JSON name (")
	list, _, _ = strings.Cut(list, ")")
	if !ok {
		t.Fatal("the README no longer lists config.json's keys as this test reads them")
	}
	var documented []string
	for _, k := range strings.Split(list, ",") {
		documented = append(documented, strings.Trim(strings.TrimSpace(k), "`"))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.Strings(documented)
	if strings.Join(keys, " ") != strings.Join(documented, " ") {
		t.Errorf("the README lists config.json's keys as %v; a run's config.json has %v", documented, keys)
	}
}

// readmeCommands are the arguments of each `bin/mnistgpu` line of the
// README's indented code blocks, comments cut; a line of alternatives
// ("data fetch | verify | where") is one line per alternative.
func readmeCommands(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "    bin/mnistgpu ")
		if !ok {
			continue
		}
		line, _, _ = strings.Cut(line, "#")
		words := strings.Fields(line)
		bar := -1
		for i, w := range words {
			if w == "|" {
				bar = i
				break
			}
		}
		if bar < 1 {
			out = append(out, words)
			continue
		}
		prefix := words[:bar-1]
		for i := bar - 1; i < len(words); i += 2 {
			out = append(out, append(append([]string(nil), prefix...), words[i]))
		}
	}
	return out
}

// needsMoreThanACPU says why a README line cannot run here: a GPU device
// needs a driver and a card (the cuda build's tests and `make gpu-pack`
// cover those lines); a download needs the network, and --data-dir
// replaces it for every line that reads MNIST, so none is skipped for that.
func needsMoreThanACPU(args []string) string {
	for i, a := range args {
		v := strings.TrimPrefix(a, "--device=")
		if a == "--device" && i+1 < len(args) {
			v = args[i+1]
		}
		if v != a && v != "cpu" {
			return "--device " + v + " needs a GPU"
		}
	}
	return ""
}

// adaptForTest rewrites a README line to run on the small data quickly
// (see TestREADMECommands).
func adaptForTest(app *cli.App, args []string, data string) []string {
	out := append([]string(nil), args...)
	var cmd *cli.Command
	cmds := app.Commands
	for _, a := range args {
		next := findCommand(cmds, a)
		if next == nil {
			break
		}
		cmd, cmds = next, next.Subcommands
	}
	has := func(name string) bool {
		for _, f := range cmd.Flags {
			if hasName(f, name) {
				return true
			}
		}
		return false
	}
	given := func(name string) bool {
		for _, a := range out {
			if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
				return true
			}
		}
		return false
	}
	if cmd == nil {
		return out
	}
	// A train line runs at most 4 epochs: enough for a schedule's last
	// epoch to differ from its first (cosine:2 failed at its last). A
	// study line runs at most 3, one more than the default grid's 2, so
	// that a line that extends the study stays longer than one that does
	// not (with both at 2, a line after --epochs 100 that left it out,
	// which the study refuses as shortening it, passed).
	most := 4
	if cmd.Name == "run" {
		most = 3
	}
	for i := 0; i+1 < len(out); i++ {
		if n, err := strconv.Atoi(out[i+1]); out[i] == "--epochs" && err == nil && n > most {
			out[i+1] = strconv.Itoa(most)
		}
	}
	if has("data-dir") {
		out = append(out, "--data-dir", data, "--no-verify")
	}
	if cmd.Name == "train" && !given("out") && !given("resume") {
		out = append(out, "--overwrite")
	}
	// A study line trains every eighth cell of its grid (cnn and mlp, sgd
	// and adam among them): the whole grid, 96 cells with --seeds 3, takes
	// most of a minute on two cores even on tiny data.
	if has("shard") && !given("shard") {
		out = append(out, "--shard", "1/8")
	}
	return out
}

// tinyMNIST writes the first train and test images of testdata/mnist-small
// as the four IDX files into dir.
func tinyMNIST(t *testing.T, dir string, train, test int) string {
	t.Helper()
	s, err := mnist.LoadDir(small, false)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o755)
	size := s.Train.Shape.Size()
	for _, part := range []struct {
		prefix string
		images []uint8
		labels []uint8
	}{
		{"train", s.Train.Images[:train*size], s.Train.Labels[:train]},
		{"t10k", s.Test.Images[:test*size], s.Test.Labels[:test]},
	} {
		var img, lab bytes.Buffer
		mnist.WriteImages(&img, part.images, len(part.labels), 28, 28)
		mnist.WriteLabels(&lab, part.labels)
		os.WriteFile(filepath.Join(dir, part.prefix+"-images-idx3-ubyte"), img.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, part.prefix+"-labels-idx1-ubyte"), lab.Bytes(), 0o644)
	}
	return dir
}

// writeREADMEFiles makes the files the README's lines name: its model file
// example as my-model.json, and a photo of a digit (dark ink on light
// paper) as digit.png and my-digit.jpg.
func writeREADMEFiles(t *testing.T, dir string) {
	t.Helper()
	raw, _ := os.ReadFile("../../README.md")
	_, model, _ := strings.Cut(string(raw), "## Model files\n\n")
	model, _, _ = strings.Cut(model, "\n\n")
	if !strings.Contains(model, `"layers"`) {
		t.Fatalf("no model file example under the README's \"Model files\": %q", model)
	}
	os.WriteFile(filepath.Join(dir, "my-model.json"), []byte(model), 0o644)
	s, err := mnist.LoadDir(small, false)
	if err != nil {
		t.Fatal(err)
	}
	photo := image.NewGray(image.Rect(0, 0, 56, 56))
	for y := 0; y < 56; y++ {
		for x := 0; x < 56; x++ {
			photo.SetGray(x, y, color.Gray{Y: 255 - s.Test.Images[(y/2)*28+x/2]})
		}
	}
	var p, j bytes.Buffer
	png.Encode(&p, photo)
	jpeg.Encode(&j, photo, nil)
	os.WriteFile(filepath.Join(dir, "digit.png"), p.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "my-digit.jpg"), j.Bytes(), 0o644)
}

// TestREADMEFlagTableDefaults: the defaults of the README's table of train's
// common flags ("| `--epochs`, `--batch-size` | 3, 64 | ...") are those
// `train --help` gives, so that a default changed in run.Config cannot
// leave the table saying the old one.
func TestREADMEFlagTableDefaults(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(raw), "| flag | default | meaning |")
	table, _, _ = strings.Cut(table, "\n\n")
	train := findCommand(newApp().Commands, "train")
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`--") {
			continue
		}
		rows++
		names := strings.Split(cells[1], ",")
		defaults := strings.Split(cells[2], ",")
		if strings.TrimSpace(cells[2]) == "" {
			defaults = make([]string, len(names))
		}
		if len(defaults) != len(names) {
			t.Errorf("README flag table: %d flags and %d defaults in %q", len(names), len(defaults), line)
			continue
		}
		for i, n := range names {
			name := strings.TrimPrefix(strings.Trim(strings.TrimSpace(n), "`"), "--")
			doc := strings.Trim(strings.TrimSpace(defaults[i]), "`")
			var flag cli.Flag
			for _, f := range train.Flags {
				if hasName(f, name) {
					flag = f
				}
			}
			if flag == nil {
				t.Errorf("README flag table: train has no --%s", name)
				continue
			}
			help := ""
			if d, ok := flag.(cli.DocGenerationFlag); ok && d.TakesValue() {
				help = strings.Trim(d.GetDefaultText(), `"`)
			} else if d, ok := flag.(cli.DocGenerationFlag); ok {
				help = d.GetDefaultText()
			}
			if !defaultsAgree(doc, help) {
				t.Errorf("README flag table: --%s defaults to %q, and train --help says %q", name, doc, help)
			}
		}
	}
	if rows < 20 {
		t.Errorf("read %d rows of the README's flag table; the parser lost them", rows)
	}
}

// defaultsAgree says whether the README's default doc is --help's default
// help: the same text, or its first words ("val_loss" of "val_loss (loss
// without validation data)"); "off" is false; "preset's" is no default
// shown (the preset's own activations); "Keras default" is the rate --help
// gives per optimizer; "" in the README says nothing.
func defaultsAgree(doc, help string) bool {
	switch doc {
	case "":
		return true
	case "off":
		return help == "false"
	case "preset's":
		return help == ""
	case "Keras default":
		return strings.HasPrefix(help, "Keras's")
	}
	return help == doc || strings.HasPrefix(help, doc+" ")
}

// TestREADMENamesEveryVariable: each environment variable that gives a
// train flag its default is named in the README's paragraph on them
// ("Environment variables give flags their defaults"), with whether a
// resumed run's record wins over it: a variable added to run.Config's table
// is not left out of it.
func TestREADMENamesEveryVariable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, para, ok := strings.Cut(string(raw), "Environment variables give flags their defaults")
	para, _, _ = strings.Cut(para, "\n\n")
	if !ok {
		t.Fatal("no paragraph on environment variables in the README")
	}
	n := 0
	for _, f := range findCommand(newApp().Commands, "train").Flags {
		d, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		for _, v := range d.GetEnvVars() {
			n++
			if !strings.Contains(para, "`"+v+"`") {
				t.Errorf("train --%s takes its default from %s, which the README's paragraph on variables does not name", f.Names()[0], v)
			}
		}
	}
	if n < 10 {
		t.Errorf("train has %d flags with a variable; the test lost them", n)
	}
}
