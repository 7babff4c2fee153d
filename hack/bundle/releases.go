package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
)

// releasesKey marks where Keystone's releases differ: on an operation, a
// parameter, a response or a schema it lists the series (say "2025.1") of the
// verified releases in which that element applies; without it, the element
// applies to all of them. The bundled document's info carries the list of
// verified releases under the same key.
const releasesKey = "x-keystone-releases"

// release is one verified Keystone release, a line of
// hack/keystone-releases.tsv.
type release struct {
	Series   string `json:"series"`
	Keystone string `json:"keystone"`
}

// readReleases reads the verified releases, oldest first, from the
// tab-separated file: release, series, Debian suite, port, package version,
// Keystone's major version.
func readReleases(file string) ([]release, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []release
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 tab-separated columns, found %d", file, line, len(cols))
		}
		out = append(out, release{Series: cols[1], Keystone: cols[5]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no releases", file)
	}
	return out, nil
}

// checkReleases refuses an x-keystone-releases anywhere in doc that is not a
// non-empty list of known series, oldest first, without repeats; a list of
// every release says nothing and is refused too.
func checkReleases(doc any, known []release) error {
	generic, err := plainJSON(doc)
	if err != nil {
		return err
	}
	order := make([]string, len(known))
	for i, r := range known {
		order[i] = r.Series
	}
	var problems []string
	var walk func(v any, pointer string)
	walk = func(v any, pointer string) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				at := pointer + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
				if k == releasesKey {
					if msg := releaseListProblem(child, order); msg != "" {
						problems = append(problems, at+": "+msg)
					}
					continue
				}
				walk(child, at)
			}
		case []any:
			for i, child := range v {
				walk(child, fmt.Sprintf("%s/%d", pointer, i))
			}
		}
	}
	walk(generic, "")
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("%s must list verified series %v, oldest first:\n  %s", releasesKey, order, strings.Join(problems, "\n  "))
	}
	return nil
}

func releaseListProblem(v any, order []string) string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "not a non-empty list"
	}
	last := -1
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return fmt.Sprintf("%v is not a string", item)
		}
		i := slices.Index(order, s)
		switch {
		case i < 0:
			return fmt.Sprintf("%q is not a verified series", s)
		case i <= last:
			return fmt.Sprintf("%q is out of order or repeated", s)
		}
		last = i
	}
	if len(list) == len(order) {
		return "lists every release: leave it out instead"
	}
	return ""
}
