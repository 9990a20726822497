package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// givenByConfigFile is what a refusal of f's value adds when the file of
// train --config gave it (not the command line, nor f's variable): a
// hand-written config.json's "epochs": 0 was refused as "--epochs must be
// at least 1, got 0", a flag nobody typed, without naming the file. ""
// where the file does not hold f.
func givenByConfigFile(c *cli.Context, f run.Field) string {
	if !hasFlag(c, "config") || c.String("config") == "" || onCommandLine(c, f.Flag) || fromEnvironment(c, f) {
		return ""
	}
	file := c.String("config")
	raw, err := engine.ReadFile(file, "config file", engine.MaxSettingsFile)
	if err != nil {
		return ""
	}
	v, ok := jsonPath(raw, f.Path)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (--%s was given by --config %s: %q: %s)", f.Flag, file, f.Path, v)
}

// jsonPath is the JSON text at path ("optimizer.lr") in the object raw,
// keys matched in any case as encoding/json matches them.
func jsonPath(raw []byte, path string) (string, bool) {
	for _, key := range strings.Split(path, ".") {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return "", false
		}
		found := false
		for k, v := range obj {
			if strings.EqualFold(k, key) {
				raw, found = v, true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return string(raw), true
}
