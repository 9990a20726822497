package engine

import "testing"

// TestSettingsFileTypeErrorsInTheFilesWords: a value of the wrong type in
// a model file was refused in Go's words ("json: cannot unmarshal string
// into Go struct field LayerSpec.layers.units of type int"), an empty file
// as "EOF"; each says the key, what it takes and what it got.
func TestSettingsFileTypeErrorsInTheFilesWords(t *testing.T) {
	for src, want := range map[string]string{
		`{"input_shape":[28,28,1],"layers":[{"type":"Dense","units":"10"}]}`:  `m.json: invalid model file: "layers.units" takes an integer, got a string`,
		`{"input_shape":"28","layers":[]}`:                                    `m.json: invalid model file: "input_shape" takes a list of integers, got a string`,
		`{"input_shape":[28,28,1],"layers":[{"type":"Dropout","rate":true}]}`: `m.json: invalid model file: "layers.rate" takes a number, got a boolean`,
		`{"input_shape":[28,28,1],"layers":{}}`:                               `m.json: invalid model file: "layers" takes a list of objects, got an object`,
		``:                                                                    `m.json: invalid model file: the file is empty: it holds no JSON object`,
	} {
		_, err := ParseModelSpec("m.json", []byte(src))
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", src, err, want)
		}
	}
}
