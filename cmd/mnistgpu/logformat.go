package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"mnistgpu/run"
)

// What `train` and `study run` print on stderr (the data source, the model
// line, each epoch's line, callbacks' messages, a stop, the final error)
// goes through logOut. On a terminal in text form it is stderr itself (the
// progress bar redraws its line there); otherwise each line is written
// whole, with the time it was written: after a timestamp in text form
// ("2026-12-03T10:22:07.123Z MNIST: ..."), or as a JSON object
// {"time": ..., "msg": ...} with --log-format json, for a log shipper. A
// program that wants the numbers reads the run's metrics.jsonl.
var logOut io.Writer = os.Stderr

// logTimeLayout is RFC 3339 in UTC to the millisecond, of fixed width.
const logTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// logFormatFlag is --log-format; off says what a terminal shows that the
// line log does not (train's progress bar, study's status block).
func logFormatFlag(off string) cli.Flag {
	return &cli.StringFlag{Name: "log-format", Value: "text", Usage: "stderr lines as text, or json: one JSON object {\"time\", \"msg\"} a line (" + off + ")"}
}

// openLog sets logOut as --log-format says. It is the command's Before,
// which runs ahead of the device dispatch (runner.go), so that the line
// saying where the command runs is written in the same form.
func openLog(c *cli.Context) error {
	format := c.String("log-format")
	if format != "text" && format != "json" {
		return usageError("--log-format %q: want text or json", format)
	}
	if format == "text" && term.IsTerminal(int(os.Stderr.Fd())) {
		logOut = os.Stderr
		return nil
	}
	logOut = &lineLog{w: os.Stderr, json: format == "json", now: time.Now}
	return nil
}

// flushLog writes out a last line left without its newline.
func flushLog() {
	if l, ok := logOut.(*lineLog); ok {
		l.flush()
	}
}

// toLog writes to logOut as it is when written to, for a writer made
// before the command's flags are read.
type toLog struct{}

func (toLog) Write(p []byte) (int, error) { return logOut.Write(p) }

// jsonLog reports whether logOut writes JSON lines.
func jsonLog() bool {
	l, ok := logOut.(*lineLog)
	return ok && l.json
}

// lineLog writes each whole line given to it at once, with its time.
type lineLog struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	now  func() time.Time
	part []byte // a line not yet ended
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		err := l.line(l.part[:i])
		l.part = l.part[i+1:]
		if err != nil {
			return len(p), err
		}
	}
}

// line writes one line, without its newline.
func (l *lineLog) line(text []byte) error {
	text = bytes.TrimRight(text, "\r")
	if len(bytes.TrimSpace(text)) == 0 {
		if l.json {
			return nil // a blank line separates text; JSON needs none
		}
		_, err := l.w.Write([]byte("\n"))
		return err
	}
	at := l.now().UTC().Format(logTimeLayout)
	var out []byte
	if l.json {
		out, _ = json.Marshal(struct {
			Time string `json:"time"`
			Msg  string `json:"msg"`
		}{at, string(text)})
	} else {
		out = append([]byte(at+" "), text...)
	}
	_, err := l.w.Write(append(out, '\n'))
	return err
}

func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.part) > 0 {
		l.line(l.part)
		l.part = nil
	}
}

func formatFlag() cli.Flag {
	return &cli.StringFlag{Name: "format", Value: "text", Usage: "the result as text, or json: {\"weights\", \"test_loss\", \"test_accuracy\", \"images\"} on one line"}
}

// checkFormat refuses a --format other than text or json.
func checkFormat(c *cli.Context) error {
	if f := c.String("format"); f != "text" && f != "json" {
		return usageError("--format %q: want text or json", f)
	}
	return nil
}

// printEvaluation prints evaluate's result on stdout as --format says.
func printEvaluation(c *cli.Context, loss, acc float64, images int) error {
	if c.String("format") != "json" {
		_, err := fmt.Print(formatEvaluation(loss, acc, images))
		return err
	}
	raw, err := json.Marshal(struct {
		Weights  string  `json:"weights"`
		Loss     float64 `json:"test_loss"`
		Accuracy float64 `json:"test_accuracy"`
		Images   int     `json:"images"`
	}{c.String("weights"), loss, acc, images})
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(raw))
	return err
}

// formatEvaluation is evaluate's result as text.
func formatEvaluation(loss, acc float64, images int) string {
	return fmt.Sprintf("test loss %.4f  test accuracy %.4f  (%s)\n", loss, acc, run.Plural(images, "image"))
}
