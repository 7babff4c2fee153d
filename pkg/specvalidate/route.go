package specvalidate

import (
	"net/url"
	"strings"
)

// node is one path segment of the route tree. Literal segments win over a
// parameter at the same place (/auth/tokens before /auth/{x}), and the walk
// backtracks when a literal leads nowhere.
type node struct {
	literal map[string]*node
	param   *node
	ops     map[string]*Operation // by method, where a template ends
}

func (n *node) insert(segs []string, op *Operation) {
	for _, s := range segs {
		var next *node
		if isParam(s) {
			if n.param == nil {
				n.param = &node{}
			}
			next = n.param
		} else {
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			if next = n.literal[s]; next == nil {
				next = &node{}
				n.literal[s] = next
			}
		}
		n = next
	}
	if n.ops == nil {
		n.ops = map[string]*Operation{}
	}
	n.ops[op.Method] = op
}

// find returns the node where segs end with at least one operation.
func (n *node) find(segs []string) *node {
	if len(segs) == 0 {
		if len(n.ops) > 0 {
			return n
		}
		return nil
	}
	if next := n.literal[segs[0]]; next != nil {
		if found := next.find(segs[1:]); found != nil {
			return found
		}
	}
	if n.param != nil && segs[0] != "" {
		return n.param.find(segs[1:])
	}
	return nil
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// segments splits an escaped path into unescaped segments, without the
// empty ones a leading or trailing slash leaves ("/" has none). A
// parameter holding an escaped slash stays one segment.
func segments(escaped string) ([]string, error) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, nil
	}
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		if strings.Contains(s, "%") {
			u, err := url.PathUnescape(s)
			if err != nil {
				return nil, err
			}
			segs[i] = u
		}
	}
	return segs, nil
}

// params names the values of the template's parameters.
func (op *Operation) params(segs []string) map[string]string {
	p := make(map[string]string, op.nparams)
	for i, s := range op.segs {
		if isParam(s) {
			p[s[1:len(s)-1]] = segs[i]
		}
	}
	return p
}
