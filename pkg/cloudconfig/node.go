package cloudconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

type nodeKind int

const (
	nullNode nodeKind = iota
	scalarNode
	mapNode
	listNode
)

// node is one value of a configuration file (or of the environment), with
// where it came from, so that an error can point at it after the values of
// several files have been merged.
type node struct {
	kind nodeKind
	// Scalars keep the text they were written with: a project ID that
	// happens to look like a number stays what the user typed.
	text   string
	isBool bool
	isNum  bool
	keys   []string // map keys, normalized, in file order
	m      map[string]*node
	list   []*node

	file   string // path; "" for the environment
	prefix string // "clouds.<name>" or "public-clouds.<name>" in file
	key    string // dotted path below prefix as written, or the variable name
	line   int
}

// where is the file the node came from, or Environment.
func (n *node) where() string {
	if n.file == "" {
		return Environment
	}
	return n.file
}

// display is the key to show in an error about the cloud named cloud: the
// path inside the cloud for clouds.yaml and secure.yaml, the full path for
// a vendor profile, the variable's name for the environment.
func (n *node) display(cloud string) string {
	switch {
	case n.file == "":
		return n.key
	case n.key == "":
		return n.prefix
	case n.prefix == "clouds."+cloud || n.prefix == "":
		return n.key
	default:
		return n.prefix + "." + n.key
	}
}

// set reports whether the node holds a value: null and "" count as unset,
// as they do for openstacksdk.
func (n *node) set() bool {
	if n == nil {
		return false
	}
	switch n.kind {
	case nullNode:
		return false
	case scalarNode:
		return n.text != ""
	}
	return true
}

func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	return n.m[key]
}

// str is the scalar's text; ok is false for maps and lists.
func (n *node) str() (string, bool) {
	switch {
	case n == nil || n.kind == nullNode:
		return "", true
	case n.kind == scalarNode:
		return n.text, true
	}
	return "", false
}

// bool reads true/false (any case, or a YAML boolean).
func (n *node) bool() (bool, error) {
	s, ok := n.str()
	if !ok {
		return false, fmt.Errorf("want true or false, got a %s", n.kindName())
	}
	switch l := strings.ToLower(s); {
	case l == "true", n.isBool && (l == "yes" || l == "on"):
		return true, nil
	case l == "false", l == "", n.isBool && (l == "no" || l == "off"):
		return false, nil
	}
	return false, fmt.Errorf("want true or false, got %q", s)
}

func yaml11Bool(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "no", "on", "off":
		return s == strings.ToLower(s) || s == strings.ToUpper(s) || s == strings.ToUpper(s[:1])+s[1:]
	}
	return false
}

func (n *node) kindName() string {
	switch n.kind {
	case mapNode:
		return "mapping"
	case listNode:
		return "list"
	case nullNode:
		return "null"
	}
	return "scalar"
}

// value converts the node to plain Go values: string, bool, json.Number,
// map[string]any, []any or nil.
func (n *node) value() any {
	switch n.kind {
	case scalarNode:
		switch {
		case n.isBool:
			b, _ := n.bool()
			return b
		case n.isNum:
			return json.Number(n.text)
		}
		return n.text
	case mapNode:
		out := make(map[string]any, len(n.m))
		for k, v := range n.m {
			out[k] = v.value()
		}
		return out
	case listNode:
		out := make([]any, len(n.list))
		for i, v := range n.list {
			out[i] = v.value()
		}
		return out
	}
	return nil
}

// clone copies the tree (not the scalars, which are never changed).
func (n *node) clone() *node {
	if n == nil || n.kind == scalarNode || n.kind == nullNode {
		return n
	}
	c := *n
	if n.kind == mapNode {
		c.keys = slices.Clone(n.keys)
		c.m = make(map[string]*node, len(n.m))
		for k, v := range n.m {
			c.m[k] = v.clone()
		}
	} else {
		c.list = make([]*node, len(n.list))
		for i, v := range n.list {
			c.list[i] = v.clone()
		}
	}
	return &c
}

func (n *node) put(key string, v *node) {
	if _, ok := n.m[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.m[key] = v
}

func (n *node) del(key string) {
	if _, ok := n.m[key]; ok {
		delete(n.m, key)
		n.keys = slices.DeleteFunc(n.keys, func(k string) bool { return k == key })
	}
}

func newMap(file, prefix, key string) *node {
	return &node{kind: mapNode, m: map[string]*node{}, file: file, prefix: prefix, key: key}
}

// envNode is the value of an environment variable.
func envNode(name, value string) *node {
	return &node{kind: scalarNode, text: value, key: name}
}

// mergeDeep lays over on top of base, recursing into mappings present in
// both (how secure.yaml is merged over clouds.yaml). Neither input is
// changed.
func mergeDeep(base, over *node) *node {
	if base == nil || base.kind != mapNode || over.kind != mapNode {
		return over.clone()
	}
	out := base.clone()
	for _, k := range over.keys {
		v := over.m[k]
		if old, ok := out.m[k]; ok && old.kind == mapNode && v.kind == mapNode {
			out.put(k, mergeDeep(old, v))
		} else {
			out.put(k, v.clone())
		}
	}
	return out
}

// normalizeKey is how openstacksdk names keys: "project-name" and
// "project_name" are the same key.
func normalizeKey(k string) string { return strings.ReplaceAll(k, "-", "_") }

// parseFile reads a YAML or JSON document (JSON by the .json suffix, as
// openstacksdk decides). An empty document is an empty mapping.
func parseFile(path string, data []byte) (*node, error) {
	if strings.HasSuffix(path, ".json") {
		return parseJSON(path, data)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := &Error{File: path, Reason: "not valid YAML", Err: err, Kind: invalidConfig}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Cloud, e.Key = locate(data, e.Line)
		}
		return nil, e
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return newMap(path, "", ""), nil
	}
	c := &converter{file: path}
	return c.yaml(doc.Content[0], nil, 0)
}

// yamlLine finds the line in yaml.v3's syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`line (\d+)`)

// locate guesses the cloud and the section (key) a YAML syntax error at
// line is in: it reads the lines up to there (which often parse) and takes
// the mapping that holds the last key at or before the line. The key
// itself is a guess too far: the error may be in the next one.
func locate(data []byte, line int) (cloud, key string) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for _, n := range []int{line, line - 1} {
		if n <= 0 || n > len(lines) {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:n], nil), &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		clouds := yamlGet(doc.Content[0], "clouds")
		if clouds == nil || clouds.Kind != yaml.MappingNode {
			return "", ""
		}
		var at *yaml.Node
		for i := 0; i+1 < len(clouds.Content); i += 2 {
			if clouds.Content[i].Line <= line {
				cloud, at = clouds.Content[i].Value, clouds.Content[i+1]
			}
		}
		var path []string
		for at != nil && at.Kind == yaml.MappingNode {
			var next *yaml.Node
			for i := 0; i+1 < len(at.Content); i += 2 {
				if at.Content[i].Line <= line {
					if next == nil || at.Content[i].Line >= next.Line {
						next = at.Content[i]
					}
				}
			}
			if next == nil {
				break
			}
			path = append(path, next.Value)
			at = yamlGet(at, next.Value)
		}
		if len(path) > 0 {
			path = path[:len(path)-1]
		}
		return cloud, strings.Join(path, ".")
	}
	return "", ""
}

func yamlGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

type converter struct {
	file  string
	nodes int // converted so far: aliases must not blow a small file up
}

// maxNodes bounds the values one file may expand to through aliases.
const maxNodes = 100000

// child path of a key below path.
func childPath(path []string, key string) []string {
	return append(slices.Clip(path), key)
}

// place splits a path into the cloud or profile it belongs to and the key
// below it, so that errors can name "auth.password" in cloud "prod".
func place(path []string) (prefix, key string) {
	if len(path) >= 2 && (path[0] == "clouds" || path[0] == "public-clouds" || path[0] == "public_clouds") {
		return path[0] + "." + path[1], strings.Join(path[2:], ".")
	}
	return "", strings.Join(path, ".")
}

const maxDepth = 64

// namesBelow reports whether the keys of the mapping at path are names
// (of clouds or profiles), which are not normalized.
func namesBelow(path []string) bool {
	return len(path) == 1 && (path[0] == "clouds" || normalizeKey(path[0]) == "public_clouds")
}

func (c *converter) yaml(y *yaml.Node, path []string, depth int) (*node, error) {
	prefix, key := place(path)
	n := &node{file: c.file, prefix: prefix, key: key, line: y.Line}
	if depth > maxDepth {
		return nil, &Error{File: c.file, Line: y.Line, Key: key, Reason: "nested too deeply", Kind: invalidConfig}
	}
	if c.nodes++; c.nodes > maxNodes {
		return nil, &Error{File: c.file, Line: y.Line, Key: key, Reason: "too many values (aliases expanding?)", Kind: invalidConfig}
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &Error{File: c.file, Line: y.Line, Key: key, Reason: "unknown alias", Kind: invalidConfig}
		}
		a, err := c.yaml(y.Alias, path, depth+1)
		if err != nil {
			return nil, err
		}
		a.line = y.Line
		return a, nil
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			n.kind = nullNode
		case "!!bool":
			n.kind, n.isBool, n.text = scalarNode, true, y.Value
		case "!!int", "!!float":
			n.kind, n.isNum, n.text = scalarNode, true, y.Value
		default:
			n.kind, n.text = scalarNode, y.Value
			// PyYAML reads files as YAML 1.1, where a plain yes, no, on
			// and off are booleans too; they stay text where text is wanted.
			if y.Style == 0 && y.ShortTag() == "!!str" && yaml11Bool(y.Value) {
				n.isBool = true
			}
		}
		return n, nil
	case yaml.SequenceNode:
		n.kind = listNode
		for i, item := range y.Content {
			v, err := c.yaml(item, childPath(path, strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, v)
		}
		return n, nil
	case yaml.MappingNode:
		n.kind, n.m = mapNode, map[string]*node{}
		written := map[string]string{} // normalized key -> key as written
		var merges []*yaml.Node
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.ShortTag() == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &Error{File: c.file, Line: k.Line, Key: key, Reason: "a key must be a string", Kind: invalidConfig}
			}
			norm := k.Value
			if !namesBelow(path) {
				norm = normalizeKey(k.Value)
			}
			if prev, dup := written[norm]; dup {
				e := &Error{File: c.file, Line: k.Line, Key: strings.Join(childPath(path, k.Value), "."),
					Reason: fmt.Sprintf("given twice (as %q and %q)", prev, k.Value), Kind: invalidConfig}
				if len(path) >= 2 && path[0] == "clouds" {
					e.Cloud, e.Key = path[1], strings.Join(childPath(path[2:], k.Value), ".")
				}
				return nil, e
			}
			written[norm] = k.Value
			child, err := c.yaml(v, childPath(path, k.Value), depth+1)
			if err != nil {
				return nil, err
			}
			n.put(norm, child)
		}
		// YAML merge keys ("<<: *defaults") fill in what the mapping does
		// not set itself; PyYAML's safe_load honours them.
		for _, m := range merges {
			sources := []*yaml.Node{m}
			if m.Kind == yaml.SequenceNode {
				sources = m.Content
			}
			for _, s := range sources {
				v, err := c.yaml(s, path, depth+1)
				if err != nil {
					return nil, err
				}
				if v.kind != mapNode {
					return nil, &Error{File: c.file, Line: s.Line, Key: key, Reason: "a merge key (<<) needs a mapping", Kind: invalidConfig}
				}
				for _, k := range v.keys {
					if _, ok := n.m[k]; !ok {
						n.put(k, v.m[k])
					}
				}
			}
		}
		return n, nil
	}
	return nil, &Error{File: c.file, Line: y.Line, Key: key, Reason: "unsupported YAML node", Kind: invalidConfig}
}

func parseJSON(path string, data []byte) (*node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return newMap(path, "", ""), nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		e := &Error{File: path, Reason: "not valid JSON", Err: err, Kind: invalidConfig}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			e.Line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		}
		return nil, e
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{File: path, Reason: "not valid JSON: data after the document", Kind: invalidConfig}
	}
	return fromJSON(path, v, nil)
}

func fromJSON(file string, v any, path []string) (*node, error) {
	prefix, key := place(path)
	n := &node{file: file, prefix: prefix, key: key}
	switch v := v.(type) {
	case nil:
		n.kind = nullNode
	case bool:
		n.kind, n.isBool, n.text = scalarNode, true, strconv.FormatBool(v)
	case json.Number:
		n.kind, n.isNum, n.text = scalarNode, true, v.String()
	case string:
		n.kind, n.text = scalarNode, v
	case []any:
		n.kind = listNode
		for i, item := range v {
			c, err := fromJSON(file, item, childPath(path, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, c)
		}
	case map[string]any:
		n.kind, n.m = mapNode, map[string]*node{}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		written := map[string]string{}
		for _, k := range keys {
			norm := k
			if !namesBelow(path) {
				norm = normalizeKey(k)
			}
			if prev, dup := written[norm]; dup {
				return nil, &Error{File: file, Key: strings.Join(childPath(path, k), "."),
					Reason: fmt.Sprintf("given twice (as %q and %q)", prev, k), Kind: invalidConfig}
			}
			written[norm] = k
			c, err := fromJSON(file, v[k], childPath(path, k))
			if err != nil {
				return nil, err
			}
			n.put(norm, c)
		}
	}
	return n, nil
}
