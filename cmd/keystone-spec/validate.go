package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// jsonError is a specvalidate.Error for --json output.
type jsonError struct {
	Operation string `json:"operation,omitempty"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status,omitempty"`
	In        string `json:"in"`
	Pointer   string `json:"pointer"`
	Expected  string `json:"expected"`
	Message   string `json:"message"`
}

type validateResult struct {
	Valid     bool        `json:"valid"`
	Operation string      `json:"operation"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Status    int         `json:"status,omitempty"`
	Errors    []jsonError `json:"errors"`
}

func runValidate(_ context.Context, s streams, args []string) int {
	fs := newFlags("validate", s, "--operation OP (--request FILE | --response STATUS [FILE]) [--json]\n\n"+
		"OP is an operation id (createProject, v2.0:listTenants) or \"METHOD /path\" (a template or a\n"+
		"concrete path, /v3/projects/abc). FILE - is standard input, as is a missing --response FILE.")
	operation := fs.String("operation", "", "the operation: an operation id or \"METHOD /path\"")
	request := fs.String("request", "", "check FILE as the operation's request body")
	response := fs.String("response", "", "check the body (FILE, or standard input) as the answer with this `STATUS`")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if ok, code := parse(fs, args); !ok {
		return code
	}
	switch {
	case *operation == "":
		return usageError(s, fs, "--operation is required")
	case (*request == "") == (*response == ""):
		return usageError(s, fs, "give one of --request FILE and --response STATUS")
	case *request != "" && fs.NArg() > 0, fs.NArg() > 1:
		return usageError(s, fs, "unexpected arguments %q", fs.Args())
	}
	status := 0
	file := *request
	if *response != "" {
		n, err := strconv.Atoi(*response)
		if err != nil || n < 100 || n > 599 {
			return usageError(s, fs, "--response wants an HTTP status, not %q", *response)
		}
		status, file = n, "-"
		if fs.NArg() == 1 {
			file = fs.Arg(0)
		}
	}
	v, err := specvalidate.Default()
	if err != nil {
		return failure(s, "validate", err)
	}
	op, err := v.Lookup(*operation)
	if err != nil {
		return usageError(s, fs, "%v", err)
	}
	body, err := readInput(s, file)
	if err != nil {
		return failure(s, "validate", err)
	}
	if status == 0 {
		err = v.ValidateRequestBody(op, body)
	} else {
		err = v.ValidateResponseBody(op, status, body)
	}
	res := validateResult{Valid: err == nil, Operation: op.Name, Method: op.Method, Path: op.Path, Status: status,
		Errors: []jsonError{}}
	for _, e := range specvalidate.Errors(err) {
		res.Errors = append(res.Errors, jsonError{Operation: e.Operation, Method: e.Method, Path: e.Path,
			Status: e.Status, In: e.In, Pointer: e.Pointer, Expected: e.Expected, Message: e.Error()})
	}
	if *asJSON {
		if err := writeJSON(s.stdout, res); err != nil {
			return failure(s, "validate", err)
		}
	} else {
		what := "request body"
		if status != 0 {
			what = strconv.Itoa(status) + " answer"
		}
		if res.Valid {
			fmt.Fprintf(s.stdout, "valid: %s of %s (%s %s)\n", what, op.Name, op.Method, op.Path)
		} else {
			fmt.Fprintf(s.stdout, "invalid: %s of %s (%s %s)\n", what, op.Name, op.Method, op.Path)
			for _, e := range res.Errors {
				at := e.Pointer
				if at == "" {
					at = "(" + e.In + ")"
				}
				fmt.Fprintf(s.stdout, "  %s: %s\n", at, e.Expected)
			}
		}
	}
	if !res.Valid {
		return exitInvalid
	}
	return exitOK
}

// readInput reads a file, or standard input for "-".
func readInput(s streams, file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(s.stdin)
	}
	return os.ReadFile(file)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
