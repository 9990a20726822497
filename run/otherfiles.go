package run

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"mnistgpu/engine"
)

// A run's folder holds a run's files and nothing else. --out naming a
// folder of other files (a user's notes, a data set, photos) started the
// run among them, and --overwrite, which removes only a run's files,
// replaced a run there and left the new one mixed among the user's. Such a
// folder is refused, with --overwrite too, and nothing in it is touched:
// an empty folder, or one holding only a run's files, is a run's folder.

// OtherFilesError is an --out folder that holds files no run writes.
type OtherFilesError struct {
	Dir       string
	Files     []string // the first found, '/' paths below Dir ("photos/" a folder)
	More      bool     // it holds more than Files
	Overwrite bool     // --overwrite was given
	// Cell: Dir is a study's cell, which the study itself overwrites; its
	// user gave neither --out nor --overwrite.
	Cell bool
}

func (e *OtherFilesError) Error() string {
	list := strings.Join(e.Files, ", ")
	if e.More {
		list += ", …"
	}
	if e.Cell {
		return fmt.Sprintf("the cell's folder %s holds files no run writes (%s), and a cell's run never goes among them: "+
			"nothing was removed; move them out of it and run the study again", e.Dir, list)
	}
	msg := fmt.Sprintf("--out %s holds files no run writes (%s): ", e.Dir, list)
	if e.Overwrite {
		msg += "--overwrite replaces a run, never one among other files, and removed nothing; "
	}
	return msg + "choose an empty or new --out"
}

// shownOtherFiles is how many of a folder's other files OtherFilesError
// names; the search stops at one more.
const shownOtherFiles = 3

// runNames is what a run of cfg, or the run recorded in its folder, writes
// there, as '/' paths below the folder.
type runNames struct {
	files     []string         // ownFiles, and a --save-weights inside the folder
	templates []*regexp.Regexp // the checkpoint templates' names
	folders   []string         // the folders those are in, and the folders above them
	recorded  bool             // the folder's config.json records a run
	inputs    []string         // a model file and initial weights inside the folder, which the runs read
}

func runNamesOf(dir string, cfg Config, inputs ...string) runNames {
	n := runNames{files: slices.Clone(ownFiles)}
	runs := []Config{cfg}
	if raw, err := engine.ReadFile(filepath.Join(dir, ConfigFile), "run configuration", engine.MaxSettingsFile); err == nil {
		if prev, err := decodeConfig(raw); err == nil {
			runs = append(runs, prev)
			n.recorded = true
		}
	}
	var folders []string
	// What the runs read, kept in the folder (--model net1/net.json --out
	// net1, a --config file): their own, not a user's files they went among.
	absDir, _ := filepath.Abs(dir)
	reads := slices.Clone(inputs)
	for _, c := range runs {
		reads = append(reads, c.Model.Name, c.Model.InitWeights)
	}
	for _, in := range reads {
		if _, preset := engine.Presets[in]; preset || in == "" {
			continue
		}
		if abs, err := filepath.Abs(in); err == nil {
			if rel, err := filepath.Rel(absDir, abs); err == nil && filepath.IsLocal(rel) {
				rel = filepath.ToSlash(rel)
				n.inputs = append(n.inputs, rel)
				folders = append(folders, path.Dir(rel))
			}
		}
	}
	for _, c := range runs {
		if t := c.CheckpointTemplate(); t != "" && templateLocal(t) {
			t = path.Clean(filepath.ToSlash(t))
			n.templates = append(n.templates, templateNames(t))
			folders = append(folders, path.Dir(t))
		}
		// The recorded run's weights below the folder it was in then.
		if w := c.Output.SaveWeights; w != "" && c.Output.Dir != "" {
			if rel, err := filepath.Rel(c.Output.Dir, w); err == nil && filepath.IsLocal(rel) {
				rel = filepath.ToSlash(rel)
				n.files = append(n.files, rel)
				folders = append(folders, path.Dir(rel))
			}
		}
	}
	for _, f := range folders {
		for ; f != "." && f != "/" && f != ""; f = path.Dir(f) {
			n.folders = append(n.folders, f)
		}
	}
	return n
}

// systemFiles are what a file manager leaves in any folder it shows
// (macOS's Finder, Windows' Explorer), and what keeps a folder in a git
// repository (.gitkeep in the empty runs/cnn, a .gitignore of its big
// files): no one's files, which a run neither counts as other files nor
// removes. Without them, looking at a run's folder once, or cloning a
// project that keeps it, made the next `make train` (--overwrite) refuse it.
var systemFiles = []string{".DS_Store", "Thumbs.db", "desktop.ini", ".gitkeep", ".gitignore"}

// file reports whether the regular file rel is one a run writes: one of
// its names, or the temporary one of them is written through
// (engine.WriteFileAtomic), or checkWritable's probe; or a file manager's
// (systemFiles).
func (n runNames) file(rel string) bool {
	dir, base := path.Split(rel)
	if slices.Contains(systemFiles, base) {
		return true
	}
	if target := engine.TemporaryOf(base); target != "" {
		base = target
	} else if dir == "" && strings.HasPrefix(base, ".write-test") {
		return true
	}
	rel = path.Join(dir, base)
	if slices.Contains(n.files, rel) {
		return true
	}
	if strings.HasPrefix(base, ".") { // the lock and temporaries are never checkpoints
		return false
	}
	for _, t := range n.templates {
		if t.MatchString(rel) {
			return true
		}
	}
	return false
}

// otherFiles lists the first files in dir (up to shownOtherFiles) that no
// run writes, as '/' paths below it, and whether there are more: a file of
// none of a run's names (runNames, of cfg and of the run recorded there),
// anything that is not a regular file (a pipe, a link), and a folder that
// is none of a run's and holds anything (named "photos/", unread). Empty
// folders hold nothing of anyone's and are left out; so is a picture
// plot writes (a .png, .svg or .pdf that is one) directly in a folder whose
// config.json records a run, a model file or initial weights that run,
// or the new one, reads, and the file this process's output goes to. A dir that does not exist holds none.
func otherFiles(dir string, cfg Config, inputs ...string) (found []string, more bool, err error) {
	names := runNamesOf(dir, cfg, inputs...)
	errEnough := errors.New("enough")
	var walk func(sub string) error
	walk = func(sub string) error {
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(sub)))
		if err != nil {
			return err
		}
		for _, e := range entries {
			rel := path.Join(sub, e.Name())
			full := filepath.Join(dir, filepath.FromSlash(rel))
			other := ""
			switch {
			case e.Type().IsRegular():
				// A picture plot drew beside a recorded run (plot --out
				// runs/cnn/loss.png) is a plot of it, as curves.png is,
				// which the user named and which stays: it made the next
				// make train (--overwrite) refuse the folder.
				if !names.file(rel) && !slices.Contains(names.inputs, rel) && !(names.recorded && sub == "." && engine.IsPicture(full)) && !processOutput(full) {
					other = rel
				}
			case slices.Contains(names.folders, rel) && isFolder(full):
				// A checkpoint template's folder: a link to one elsewhere
				// (another disk) is too.
				if err := walk(rel); err != nil {
					return err
				}
			case e.IsDir():
				if !emptyFolder(full) {
					other = rel + "/"
				}
			case e.Type()&fs.ModeSymlink != 0:
				other = rel + " (a link)"
			default:
				other = rel + " (" + engine.NotAFile(full) + ")"
			}
			if other == "" {
				continue
			}
			if len(found) == shownOtherFiles {
				more = true
				return errEnough
			}
			found = append(found, other)
		}
		return nil
	}
	if err := walk("."); err != nil && err != errEnough {
		if errors.Is(err, fs.ErrNotExist) && len(found) == 0 {
			return nil, false, nil
		}
		return found, more, err
	}
	return found, more, nil
}

// processOutput reports whether the file p is this process's standard
// output or error: train > runs/cnn/out.txt keeps a run's log with it, and
// the shell makes the file before the run looks at its folder.
func processOutput(p string) bool {
	st, err := os.Stat(p)
	if err != nil {
		return false
	}
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if fs, err := f.Stat(); err == nil && os.SameFile(st, fs) {
			return true
		}
	}
	return false
}

func isFolder(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// emptyFolder reports whether the folder p holds nothing (an unreadable
// one holds something, as far as anyone can tell).
func emptyFolder(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return err == io.EOF
}
