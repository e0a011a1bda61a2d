package app

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
)

// Secrets given on the command line are visible to everyone in `ps` and
// kept in the shell's history. Every flag that takes one (--secret,
// --authtoken, --key) also takes "-": the value is then read from the
// first line of standard input (`orderbrug tunnel set --authtoken - <file`,
// or typed after the prompt-less command and Enter).

// stdinValue is "-" for a flag whose value comes from stdin.
const stdinValue = "-"

// secretArg returns v, or the first line of c's stdin when v is "-".
// Several flags can share stdin: each "-" takes the next line.
func (c *CLI) secretArg(v string) (string, error) {
	if v != stdinValue {
		return v, nil
	}
	if c.stdinLines == nil {
		in := c.Stdin
		if in == nil {
			in = os.Stdin
		}
		c.stdinLines = bufio.NewReader(in)
	}
	line, err := c.stdinLines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", usagef("a value given as - is read from standard input, but there was no line to read")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
