// Command rawclient is the floor of the process-level benchmark: net/http
// and encoding/json by hand, decoding into plain structs with the generated
// types' fields. See package proc for the protocol.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/bench"
	"github.com/keystone-go/keystone/bench/internal/proc"
)

type client struct {
	http  *http.Client
	base  string
	cfg   *proc.Config
	token string
}

func (c *client) do(req *http.Request, want int, into any) (*http.Response, error) {
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d", req.Method, req.URL, resp.StatusCode)
	}
	return resp, json.Unmarshal(data, into)
}

func (c *client) authenticate(ctx context.Context) (*bench.RawTokenEnvelope, error) {
	body, err := bench.RawAuthBody(c.cfg.Username, c.cfg.Password, c.cfg.Project, c.cfg.Domain)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/auth/tokens", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var env bench.RawTokenEnvelope
	resp, err := c.do(req, http.StatusCreated, &env)
	if err != nil {
		return nil, err
	}
	c.token = resp.Header.Get("X-Subject-Token")
	return &env, nil
}

func (c *client) get(ctx context.Context, path string, subject bool, into any) error {
	if c.token == "" {
		if _, err := c.authenticate(ctx); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", c.token)
	if subject {
		req.Header.Set("X-Subject-Token", c.token)
	}
	_, err = c.do(req, http.StatusOK, into)
	return err
}

func main() {
	cfg := proc.Flags()
	rt := proc.NewCounter()
	c := &client{http: &http.Client{Transport: rt}, base: strings.TrimSuffix(cfg.AuthURL, "/"), cfg: cfg}
	var call func(context.Context) (int, error)
	switch cfg.Mode {
	case "list":
		call = func(ctx context.Context) (int, error) {
			var list bench.RawProjectList
			err := c.get(ctx, "/projects", false, &list)
			return len(list.Projects), err
		}
	case "validate":
		call = func(ctx context.Context) (int, error) {
			var env bench.RawTokenEnvelope
			err := c.get(ctx, "/auth/tokens", true, &env)
			return len(env.Token.Roles), err
		}
	case "auth":
		call = func(ctx context.Context) (int, error) {
			env, err := c.authenticate(ctx)
			if err != nil {
				return 0, err
			}
			return len(env.Token.Catalog), nil
		}
	default:
		proc.Fail("raw", fmt.Errorf("unknown mode %q", cfg.Mode))
	}
	proc.Run("raw", cfg, rt, call)
}
