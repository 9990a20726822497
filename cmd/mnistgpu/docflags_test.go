package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// docFiles are the pages whose commands a user copies: the README,
// BUILDING.md, docs/*.md (docs/gpu-results.md's logs included) and the
// parts of docs/reliability.md (docs/reliability/*.md).
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	parts, err := filepath.Glob("../../docs/reliability/*.md")
	if err != nil || len(parts) == 0 {
		t.Fatalf("no docs/reliability/*.md: %v", err)
	}
	return append(append([]string{"../../README.md", "../../BUILDING.md"}, files...), parts...)
}

// codeSpan is an inline `…` span of a line, or a whole line of an indented
// or fenced code block.
var codeSpan = regexp.MustCompile("`[^`]+`")

// docCommandTexts are the pieces of a page that may hold a command: its code
// spans and the lines of its code blocks.
func docCommandTexts(raw string) []string {
	var out []string
	fenced := false
	for _, line := range strings.Split(raw, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced || strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
			out = append(out, line)
			continue
		}
		for _, s := range codeSpan.FindAllString(line, -1) {
			out = append(out, strings.Trim(s, "`"))
		}
	}
	return out
}

// docCommand finds the mnistgpu command a piece of a page names (after
// "mnistgpu ", or a span that begins with a command's name and then a
// flag, as `train --resume DIR`) and the flags given to it, up to the end
// of the shell command (a pipe, a comment, a redirection). ok is false
// where the text names no command.
func docCommand(app *cli.App, text string) (path string, cmd *cli.Command, flags []string, ok bool) {
	var words []string
	if _, after, found := strings.Cut(text, "mnistgpu "); found {
		words = strings.Fields(after)
	} else {
		words = strings.Fields(text)
		if len(words) < 2 || findCommand(app.Commands, words[0]) == nil || !strings.HasPrefix(words[1], "--") {
			return "", nil, nil, false
		}
	}
	cmds := app.Commands
	i := 0
	for ; i < len(words); i++ {
		next := findCommand(cmds, words[i])
		if next == nil || next.Name == "help" {
			break
		}
		cmd, cmds = next, next.Subcommands
		path += next.Name + " "
	}
	if cmd == nil {
		return "", nil, nil, false
	}
	for _, w := range words[i:] {
		if w == "|" || w == "&&" || w == ";" || w == "--" || strings.HasPrefix(w, "#") || strings.HasPrefix(w, ">") || strings.HasPrefix(w, "2>") {
			break
		}
		if strings.HasPrefix(w, "--") {
			name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
			name = strings.TrimRight(name, ",.;:)")
			if name != "" {
				flags = append(flags, name)
			}
		}
	}
	return strings.TrimSpace(path), cmd, flags, true
}

// TestDocsNameRealFlags: every `mnistgpu <command> --flag` that the README,
// BUILDING.md and docs/*.md show, in a code block or a code span, names a
// command that exists and flags that command has, so that a renamed or
// moved flag cannot leave a page showing a command that exits 2.
// TestREADMECommands runs the README's lines; the other pages' commands
// are long runs, GPU runs or fragments, which this checks without running.
func TestDocsNameRealFlags(t *testing.T) {
	app := newApp()
	checked := 0
	for _, file := range docFiles(t) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range docCommandTexts(string(raw)) {
			path, cmd, flags, ok := docCommand(app, text)
			if !ok {
				continue
			}
			checked++
			for _, f := range flags {
				if f == "help" || f == "h" {
					continue
				}
				found := false
				for _, cf := range cmd.Flags {
					if hasName(cf, f) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("%s: `%s` gives --%s, which mnistgpu %s does not have", filepath.Base(file), strings.TrimSpace(text), f, path)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("checked %d commands in the docs; the parser lost them", checked)
	}
}

// TestDocsNameRealTestsAndFiles: a test the docs name as the check of a
// claim (`TestX`, `FuzzX`, `BenchmarkX`, or in a re-run's -run pattern)
// is one the repository has, and a source file they point at
// (`engine/ops.go`) is there: a renamed test or moved file left the claim
// pointing at nothing.
func TestDocsNameRealTestsAndFiles(t *testing.T) {
	var sources strings.Builder
	filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin" || d.Name() == "runs" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") {
			raw, _ := os.ReadFile(p)
			sources.Write(raw)
		}
		return nil
	})
	all := sources.String()
	// A name alone is a test's whole name; one in a -run pattern
	// ('TestA|TestB') or ending in `*` begins the names of the tests it
	// stands for.
	testName := regexp.MustCompile(`\b(?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*`)
	// The repository's own paths; Keras's (engine/training.py) are not.
	fileName := regexp.MustCompile(`\b((?:cmd|cpu|engine|gpu|run|study|mnist|kernels|scripts|tensors)/[A-Za-z0-9_./-]+\.(?:go|cu|cuh|c|h|s|sh|py|md))\b`)
	names := 0
	for _, file := range docFiles(t) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		for _, at := range testName.FindAllStringIndex(text, -1) {
			name := text[at[0]:at[1]]
			before, after := byte(' '), byte(' ')
			if at[0] > 0 {
				before = text[at[0]-1]
			}
			if at[1] < len(text) {
				after = text[at[1]]
			}
			want := "func " + name + "("
			if after == '*' || after == '|' || after == '\'' || before == '|' || before == '\'' {
				want = "func " + name
			}
			names++
			if !strings.Contains(all, want) {
				t.Errorf("%s names %s, which no test of the repository is (or begins)", filepath.Base(file), name)
			}
		}
		for _, m := range fileName.FindAllStringSubmatch(string(raw), -1) {
			p := m[1]
			if strings.HasSuffix(p, ".py") && strings.HasPrefix(p, "engine/") {
				continue // Keras's sources, cited by the Keras comparison
			}
			if _, err := os.Stat(filepath.Join("../..", p)); err != nil {
				t.Errorf("%s points at %s, which is not in the repository", filepath.Base(file), p)
			}
		}
	}
	if names < 300 {
		t.Errorf("found %d test names in the docs; the parser lost them", names)
	}
}
