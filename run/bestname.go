package run

import "path/filepath"

// bestName is result.json's name of the best checkpoint: its path below the
// run's folder dir with '/' separators ("ck/w2.safetensors" for a template
// with a folder, whose base name alone named no file there).
func bestName(dir, best string) string {
	if rel, err := filepath.Rel(dir, best); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(best)
}
