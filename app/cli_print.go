package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// printer writes every command's result: with --json the value itself as
// one JSON document (printJSON: the shape jsonout.go gives the service's
// types, alike for every command), else the command's text or table.
type printer struct {
	w    io.Writer
	json bool
}

// jsonFlag gives cmd the --json flag; persistent for a group whose
// subcommands all print.
func jsonFlag(cmd *cobra.Command, persistent bool) {
	fs := cmd.Flags()
	if persistent {
		fs = cmd.PersistentFlags()
	}
	fs.Bool("json", false, "JSON output")
}

// printer is the printer of cmd, by its --json.
func (r *cmdline) printer(cmd *cobra.Command) printer {
	asJSON, _ := cmd.Flags().GetBool("json")
	return printer{w: r.c.Stdout, json: asJSON}
}

// print writes v as JSON with --json, else what text writes.
func (p printer) print(v any, text func(w io.Writer)) error {
	if p.json {
		return printJSON(p.w, v)
	}
	text(p.w)
	return nil
}

// table writes v as JSON with --json, else header and rows aligned in
// columns.
func (p printer) table(v any, header []string, rows [][]string) error {
	if p.json {
		return printJSON(p.w, v)
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// zeroTime is how encoding/json writes a time.Time that was never set.
var zeroTime = []byte(`"0001-01-01T00:00:00Z"`)

// printJSON writes v indented. Every command's --json follows the rules in
// jsonout.go; as a last guard for a type that has no JSON shape of its own
// yet, a zero time is written as null (never). The quoted token cannot match
// inside another string, where its quotes would be escaped. Names keep their
// & < > as typed ("De Zon & Zn", not "De Zon \u0026 Zn"): the output is for
// scripts and people, never for an HTML page.
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.ReplaceAll(buf.Bytes(), zeroTime, []byte("null")))
	return err
}
