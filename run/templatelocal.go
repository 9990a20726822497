package run

import "path/filepath"

// templateLocal reports whether the names the checkpoint template t formats
// to are local paths below the run's folder (filepath.IsLocal). t is judged
// by a name it formats to, not by its own text: its fields ("{val_loss:.2f}")
// become numbers, which hold no separator and no ':', while Windows' IsLocal
// refuses every ':' in a path (drive letters, alternate data streams) and
// would refuse the default template, and so every run with checkpoints.
func templateLocal(t string) bool { return filepath.IsLocal(templateSample(t)) }
