package run

import (
	"fmt"
	"io"

	"mnistgpu/engine"
)

// A --checkpoint template that mnistgpu took before it followed Python's
// format spec, and refuses since ({epoch:.3}, whose precision was dropped;
// {epoch:0+3}), names the checkpoints of a run recorded with it. Such a
// run, resumed or a recorded study's cell, goes on as it ran, naming its
// files as it did (engine.FormatTemplateAsBefore), and says so in one
// line; a new run of the template is refused (checkTemplateFormats).

// templateAsBefore reports whether the template t is refused now but was
// taken before, with the refusal: it is formatted as before in a run
// recorded with it.
func templateAsBefore(t string, names []string) (refusal error, asBefore bool) {
	if t == "" {
		return nil, false
	}
	logs := engine.Logs{}
	for _, n := range names {
		logs[n] = 0
	}
	if _, err := engine.FormatTemplate(t, 1, logs); err != nil {
		_, before := engine.FormatTemplateAsBefore(t, 1, logs)
		return err, before == nil
	}
	return nil, false
}

// sayTemplateAsBefore says, on log, that the run c, recorded with a
// template refused since, goes on naming its checkpoints as it did.
func sayTemplateAsBefore(c Config, log io.Writer) {
	if c.Callbacks.Checkpoint == nil {
		return
	}
	t := *c.Callbacks.Checkpoint
	if err, ok := templateAsBefore(t, epochMetrics(c.Data.ValidationSplit > 0)); ok {
		fmt.Fprintf(log, "%s was recorded with --checkpoint %q, refused for new runs since (%s): it goes on as it ran, naming its checkpoints as before\n",
			c.Output.Dir, t, templateRefusal(t, err))
	}
}
