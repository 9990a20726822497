package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "check a device's kernels against the float64 reference and its training against the CPU (parity)",
		Flags: append(configFlags(deviceGroup, nil, nil), &cli.BoolFlag{Name: "failures-only", Usage: "print only failing rows"}),
		Action: func(c *cli.Context) error {
			be, err := openDevice(c, os.Stderr)
			if err != nil {
				return err
			}
			defer engine.Close(be)
			// The parity reference is the CPU backend, or the float64
			// reference when the device checked is the CPU backend itself.
			var ref engine.Backend = conformance.RefBackend{}
			if be.Name() != "cpu" {
				if ref, err = engine.NewBackend("cpu", engine.Options{}); err != nil {
					return err
				}
				defer engine.Close(ref)
			}
			fmt.Printf("checking %s: kernels against the float64 reference, training against %s\n\n", be.Describe(), ref.Describe())
			results := append(conformance.Conformance(be), conformance.ParityResults(ref, be)...)
			failed := printChecks(os.Stdout, results, c.Bool("failures-only"))
			if failed > 0 {
				return cli.Exit(fmt.Sprintf("mnistgpu: %d of %d checks failed on %s", failed, len(results), be.Name()), 1)
			}
			return nil
		},
	}
}

// printChecks prints the checks' table (failing rows alone with failuresOnly)
// and their count, and returns how many failed. With failuresOnly and none
// failing it says so in one line: the table would be a header alone.
func printChecks(w io.Writer, results []conformance.Result, failuresOnly bool) (failed int) {
	for _, r := range results {
		if !r.Pass {
			failed++
		}
	}
	if failed == 0 && failuresOnly {
		fmt.Fprintf(w, "all %d checks passed\n", len(results))
		return 0
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "op\tshape\tmax error\ttolerance\tpass")
	for _, r := range results {
		if r.Pass && failuresOnly {
			continue
		}
		status := "ok"
		if !r.Pass {
			status = "FAIL: " + r.Detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2e\t%.2e\t%s\n", r.Op, r.Shape, r.MaxErr, r.Tol, status)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d checks, %d failed\n", len(results), failed)
	return failed
}
