package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// ExplainJSON rewrites a decoding error of a settings file (a --config
// file, a model file) in the file's own words: a value of the wrong type
// was "json: cannot unmarshal string into Go struct field
// stored.Config.epochs of type int", naming Go's types; it is now
// `"epochs" takes an integer, got a string`. An empty file's io.EOF says
// so. Any other error is returned as it is.
func ExplainJSON(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		hint := ""
		if te.Type.Kind() == reflect.String && strings.HasPrefix(te.Value, "number") {
			hint = ": write the number in quotes" // a study's settings, "lr": "0.1"
		}
		return fmt.Errorf("%q takes %s, got %s%s", jsonPath(te.Field), jsonKind(te.Type), jsonValue(te.Value), hint)
	case errors.Is(err, io.EOF):
		return errors.New("the file is empty: it holds no JSON object")
	}
	return err
}

// jsonKind names the JSON value a Go type reads.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "an "), "a ") + "s"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// jsonPath is a decoding error's field path without the names of embedded
// Go structs ("Config.epochs" is the file's "epochs"): the files' keys are
// lower case.
func jsonPath(field string) string {
	var keys []string
	for _, k := range strings.Split(field, ".") {
		if k != "" && (k[0] < 'A' || k[0] > 'Z') {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ".")
}

// jsonValue names the value a decoding error found ("string", "number
// 2.5", "array").
func jsonValue(v string) string {
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	switch v {
	case "array":
		return "a list"
	case "object", "":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a " + v
}
