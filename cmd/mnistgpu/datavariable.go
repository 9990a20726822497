package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/run"
)

// nameDataVariable adds to err, an error about the data folder that
// MNISTGPU_DATA gave (its folder named in err: missing files, a file for
// a folder, a bad checksum), that the variable gave it, keeping err's exit
// code: "/x/train-images-idx3-ubyte.gz: missing" did not say where /x came
// from, where a refused value of any variable is named by it.
func nameDataVariable(c *cli.Context, err error) error {
	f, ok := run.Lookup("data-dir")
	v := os.Getenv(f.Env)
	dir := strings.TrimRight(v, "/")
	if dir == "" {
		dir = v // "/"
	}
	if err == nil || !ok || v == "" || !fromEnvironment(c, f) || !strings.Contains(err.Error(), dir) {
		return err
	}
	note := givenByEnvironment(f)
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return cli.Exit(err.Error()+note, ec.ExitCode())
	}
	return fmt.Errorf("%w%s", err, note)
}
