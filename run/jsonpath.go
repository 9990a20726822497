package run

import (
	"encoding/json"
	"strings"
)

// JSONPath is the JSON text at path ("optimizer.lr") in the object raw,
// keys matched in any case as encoding/json matches them; false when raw
// holds no value there (a --config file that leaves the setting out).
func JSONPath(raw []byte, path string) (string, bool) {
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
