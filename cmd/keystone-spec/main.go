// Command keystone-spec checks payloads against the OpenAPI documents of the
// Identity API that keystone-go is generated from, lists their operations,
// writes them out for other languages' generators, and compares them with
// the routes a live Keystone announces.
//
//	go install github.com/keystone-go/keystone/cmd/keystone-spec@latest
//
//	keystone-spec validate --operation createProject --request body.json
//	keystone-spec validate --operation 'GET /v3/projects/abc' --response 200 answer.json
//	keystone-spec operations [--json]
//	keystone-spec export [--dir DIR]
//	keystone-spec drift [--cloud NAME] [--release SERIES] [--json]
//
// Exit status: 0 when the payload is valid (drift: nothing unexpected), 1
// when it is not (drift: unexpected differences), 2 on bad usage or when the
// input or the cloud cannot be read.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// io is where a subcommand reads and writes.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name, usage string
	run         func(ctx context.Context, s streams, args []string) int
}

func commands() []command {
	return []command{
		{"validate", "check a request or answer body against an operation", runValidate},
		{"operations", "list every operation of the bundled documents", runOperations},
		{"export", "write the bundled OpenAPI documents", runExport},
		{"drift", "compare the spec with the routes a live Keystone announces", runDrift},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := streams{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, s, args[1:])
		}
	}
	fmt.Fprintf(stderr, "keystone-spec: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: keystone-spec COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nkeystone-spec COMMAND -h shows a command's flags.")
}

// newFlags returns a flag set that reports to stderr and does not exit.
func newFlags(name string, s streams, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("keystone-spec "+name, flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() {
		fmt.Fprintf(s.stderr, "usage: keystone-spec %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; the int is the exit status when parsing ended the
// command (-h: 0, bad flags: 2).
func parse(fs *flag.FlagSet, args []string) (bool, int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, exitOK
		}
		return false, exitUsage
	}
	return true, 0
}

// usageError reports bad usage of a command.
func usageError(s streams, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(s.stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// failure reports an input or environment that could not be read.
func failure(s streams, name string, err error) int {
	fmt.Fprintf(s.stderr, "keystone-spec %s: %v\n", name, err)
	return exitUsage
}
