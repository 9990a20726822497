package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// otherFiles finds in --out what no run writes: a user's files, folders
// and links, in the folder and in a checkpoint template's folder. A run's
// own files (its fixed names, the lock, train.log, its checkpoints by the
// new or the recorded template, a --save-weights inside the folder, their
// temporaries and checkWritable's probe), a file manager's .DS_Store,
// Thumbs.db and desktop.ini, and empty folders are none.
func TestOtherFiles(t *testing.T) {
	recorded := Default()
	old := "ck/old-{epoch}.safetensors"
	recorded.Callbacks.Checkpoint = &old
	recorded.Output.SaveWeights = filepath.Join("/elsewhere", "run", "mine.safetensors")
	recorded.Output.Dir = filepath.Join("/elsewhere", "run") // a folder moved since
	for _, c := range []struct {
		name   string
		files  []string // "d/" a folder; "config.json" is recorded's
		want   string
		more   bool
		weight string // the new run's --save-weights below the folder
	}{
		{name: "empty"},
		{name: "a run's files", files: []string{ConfigFile, StateFile, ResultFile, FinalFile, "history.csv", "history.json", MetricsFile,
			"failed.txt", PlotFile, LockFile, "train.log", "weights0.01-0.45.safetensors", "ck/old-3.safetensors", "mine.safetensors",
			".state.safetensors.tmp0123456789", ".curves.png.tmpabcdefghij", "ck/.old-4.safetensors.tmp0123456789", ".write-test12345", "empty/", "ck/sub/",
			".DS_Store", "ck/.DS_Store", "Thumbs.db", "desktop.ini"}},
		// A repository keeps the empty runs/cnn with a .gitkeep, or keeps
		// a run's big files out with a .gitignore: make train (--overwrite)
		// was refused naming them.
		{name: "a repository's placeholders", files: []string{".gitkeep", ".gitignore", ConfigFile, StateFile}},
		{name: "a user's notes", files: []string{ConfigFile, StateFile, "notes.txt"}, want: "notes.txt"},
		{name: "a user's weights", files: []string{"mybackup.safetensors"}, want: "mybackup.safetensors"},
		{name: "a user's hidden files", files: []string{".notes.txt.tmp0123456789", ".history.csv.tmpold", ".cache"},
			want: ".cache .history.csv.tmpold .notes.txt.tmp0123456789"},
		{name: "a folder of photos", files: []string{"photos/cat.jpg", "photos/more/dog.jpg"}, want: "photos/"},
		{name: "in the template's folder", files: []string{ConfigFile, "ck/old-1.safetensors", "ck/notes.txt"}, want: "ck/notes.txt"},
		{name: "the recorded template's folder without its record", files: []string{"ck/old-1.safetensors"}, want: "ck/"},
		{name: "more than shown", files: []string{"a", "b", "c", "d", "e"}, want: "a b c", more: true},
		{name: "the new run's weights", files: []string{"w/new.safetensors", "w/.new.safetensors.tmp0123456789"}, weight: "w/new.safetensors"},
		{name: "beside the new run's weights", files: []string{"w/new.safetensors", "w/old.safetensors"}, weight: "w/new.safetensors", want: "w/old.safetensors"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range c.files {
				p := filepath.Join(dir, filepath.FromSlash(f))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if strings.HasSuffix(f, "/") {
					os.MkdirAll(p, 0o755)
					continue
				}
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if f == ConfigFile {
					if err := writeConfig(dir, recorded); err != nil {
						t.Fatal(err)
					}
				}
			}
			cfg := Default()
			cfg.Output.Dir = dir
			if c.weight != "" {
				cfg.Output.SaveWeights = filepath.Join(dir, filepath.FromSlash(c.weight))
			}
			found, more, err := otherFiles(dir, cfg)
			if got := strings.Join(found, " "); err != nil || got != c.want || more != c.more {
				t.Errorf("found %q, more %v (%v); want %q, more %v", got, more, err, c.want, c.more)
			}
		})
	}
	if found, _, err := otherFiles(filepath.Join(t.TempDir(), "new"), Default()); err != nil || len(found) > 0 {
		t.Errorf("a folder not there: %v, %v", found, err)
	}
}

// A link and a pipe are nothing a run writes, whatever their names: a
// pipe for config.json is named with what it is, and not read (a read
// waits for a writer for ever).
func TestOtherFilesNamesLinksAndPipes(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, FinalFile)); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	cfg := Default()
	cfg.Output.Dir = dir
	found, _, err := otherFiles(dir, cfg)
	if want := FinalFile + " (a link)"; err != nil || strings.Join(found, " ") != want {
		t.Errorf("found %q (%v), want %q", found, err, want)
	}
	msg := (&OtherFilesError{Dir: dir, Files: found, Overwrite: true}).Error()
	for _, want := range []string{"--out " + dir + " holds files no run writes (" + FinalFile + " (a link)): ", "--overwrite", "removed nothing", "choose an empty or new --out"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s\nwant %q", msg, want)
		}
	}
	if msg := (&OtherFilesError{Dir: dir, Files: []string{"a", "b", "c"}, More: true}).Error(); !strings.Contains(msg, "(a, b, c, …): choose") || strings.Contains(msg, "overwrite") {
		t.Errorf("without --overwrite: %s", msg)
	}
}
