package spec_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// sampleCase is one sample of one documented operation.
type sampleCase struct {
	api, method, path, sample string
	request                   bool
	statuses                  []int
}

func sampleCases(t *testing.T, ref string) []sampleCase {
	var out []sampleCase
	for _, row := range readTSV(t, filepath.Join(ref, "operations.tsv")) {
		var statuses []int
		for _, s := range strings.Split(row["status_success"], ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				statuses = append(statuses, n)
			}
		}
		for _, kind := range []struct {
			col     string
			request bool
		}{{"request_samples", true}, {"response_samples", false}} {
			for _, s := range strings.Split(row[kind.col], ";") {
				if s == "" || s == "-" {
					continue
				}
				out = append(out, sampleCase{api: row["api"], method: row["method"], path: row["path"],
					sample: s, request: kind.request, statuses: statuses})
			}
		}
	}
	return out
}

// invalidSamples lists the samples the API reference ships as broken JSON.
func invalidSamples(t *testing.T, ref string) map[string]bool {
	b, err := os.ReadFile(filepath.Join(ref, "samples", "invalid.txt"))
	require.NoError(t, err)
	out := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[strings.SplitN(line, "\t", 2)[0]] = true
	}
	return out
}

func mediaSchema(content openapi3.Content) (*openapi3.Schema, string) {
	for _, ct := range []string{"application/json", "application/x-www-form-urlencoded", "text/plain"} {
		if mt := content.Get(ct); mt != nil && mt.Schema != nil {
			return mt.Schema.Value, ct
		}
	}
	return nil, ""
}

// validateSample checks one sample; the error says why it does not fit.
func validateSample(t *testing.T, ref string, c sampleCase) error {
	_, op := operation(t, c.method, c.path)
	if op == nil {
		return fmt.Errorf("%s %s is not in the spec", c.method, c.path)
	}
	raw, err := os.ReadFile(filepath.Join(ref, "samples", c.sample))
	if err != nil {
		return err
	}
	if !strings.HasSuffix(c.sample, ".json") {
		return validateText(op, c, string(raw))
	}
	value, err := decodeJSON(raw)
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, specvalidate.SchemaOptions()...)
	if c.request {
		if op.RequestBody == nil || op.RequestBody.Value == nil {
			return errors.New("the operation takes no request body")
		}
		schema, _ := mediaSchema(op.RequestBody.Value.Content)
		if schema == nil {
			return errors.New("the operation has no JSON request body")
		}
		return schema.VisitJSON(value, opts...)
	}
	statuses := c.statuses
	if len(statuses) == 0 { // the api-ref gives no status: any 2xx the spec declares
		for code := range op.Responses.Map() {
			if n, err := strconv.Atoi(code); err == nil && n < 300 {
				statuses = append(statuses, n)
			}
		}
	}
	var errs []error
	for _, status := range statuses {
		resp := op.Responses.Status(status)
		if resp == nil || resp.Value == nil {
			errs = append(errs, fmt.Errorf("status %d is not declared", status))
			continue
		}
		schema, _ := mediaSchema(resp.Value.Content)
		if schema == nil {
			errs = append(errs, fmt.Errorf("status %d has no JSON body", status))
			continue
		}
		err := schema.VisitJSON(value, opts...)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("status %d: %w", status, err))
	}
	return errors.Join(errs...)
}

// validateText checks a non-JSON sample: the operation must declare a
// non-JSON body for it, and a form-encoded sample must parse.
func validateText(op *openapi3.Operation, c sampleCase, text string) error {
	if c.request {
		if op.RequestBody == nil || op.RequestBody.Value == nil {
			return errors.New("the operation takes no request body")
		}
		for ct := range op.RequestBody.Value.Content {
			if !strings.Contains(ct, "json") {
				return nil
			}
		}
		return errors.New("the operation declares only a JSON request body")
	}
	for _, resp := range op.Responses.Map() {
		if resp.Value == nil {
			continue
		}
		for ct := range resp.Value.Content {
			if !strings.Contains(ct, "json") {
				return nil
			}
		}
	}
	return errors.New("the operation declares no non-JSON answer for this text sample")
}

// TestSamples validates every valid sample of every documented operation.
func TestSamples(t *testing.T) {
	ref := apiRef(t)
	invalid := invalidSamples(t, ref)
	excepted := exceptions(t)
	used := map[string]bool{}
	validated, skipped := 0, 0
	for _, c := range sampleCases(t, ref) {
		if invalid[c.sample] {
			skipped++
			continue
		}
		// "/" would split the name into subtest levels for -run.
		name := strings.ReplaceAll(fmt.Sprintf("%s %s %s", c.method, c.path, c.sample), "/", "_")
		t.Run(name, func(t *testing.T) {
			err := validateSample(t, ref, c)
			// An exception names a sample, or a sample for one operation
			// ("<sample> <METHOD> <path>") when the same file is right for another.
			key := c.sample + " " + c.method + " " + c.path
			reason, ok := excepted[key]
			if !ok {
				key = c.sample
				reason, ok = excepted[key]
			}
			if ok {
				used[key] = true
				assert.Error(t, err, "sample %s is listed as an exception (%s) but validates: remove the exception", c.sample, reason)
				return
			}
			if assert.NoError(t, err, "sample %s", c.sample) {
				validated++
			}
		})
	}
	for sample := range excepted {
		if flag.Lookup("test.run").Value.String() != "" {
			break // a filtered run does not see every sample
		}
		if !used[sample] {
			t.Errorf("exception for %s names no sample of any operation", sample)
		}
	}
	t.Logf("samples validated: %d; listed exceptions: %d; invalid JSON in the api-ref, skipped: %d", validated, len(used), skipped)
}
