// Command authtokens issues project-scoped password tokens for the
// authtoken comparison (the user, project and Keystone come from the OS_*
// environment hack/keystone-up.sh exports), writes them to -out one a line
// and prints the user's id, which the protected services echo back.
//
//	authtokens -n 2000 -out tokens.txt
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keystone-go/keystone/bench"
)

func main() {
	n := flag.Int("n", 100, "tokens to issue")
	out := flag.String("out", "", "file to write the tokens to")
	workers := flag.Int("c", 4, "concurrent requests")
	flag.Parse()
	if *out == "" || *n < 1 || *workers < 1 {
		flag.Usage()
		os.Exit(2)
	}
	authURL := strings.TrimSuffix(os.Getenv("OS_AUTH_URL"), "/")
	if authURL == "" {
		log.Fatal("authtokens: OS_AUTH_URL is not set")
	}
	domain := os.Getenv("OS_USER_DOMAIN_ID")
	if domain == "" {
		domain = "default"
	}
	body, err := bench.RawAuthBody(os.Getenv("OS_USERNAME"), os.Getenv("OS_PASSWORD"), os.Getenv("OS_PROJECT_NAME"), domain)
	if err != nil {
		log.Fatalf("authtokens: %v", err)
	}
	tokens, userID, err := issue(context.Background(), authURL+"/auth/tokens", body, *n, *workers)
	if err != nil {
		log.Fatalf("authtokens: %v", err)
	}
	if err := os.WriteFile(*out, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		log.Fatalf("authtokens: %v", err)
	}
	fmt.Println(userID)
}

func issue(ctx context.Context, url string, body []byte, n, workers int) ([]string, string, error) {
	tokens := make([]string, n)
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		userID string
		errs   = make([]error, workers)
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				token, uid, err := issueOne(ctx, client, url, body)
				if err != nil {
					errs[w] = fmt.Errorf("token %d: %w", i, err)
					return
				}
				tokens[i] = token
				mu.Lock()
				userID = uid
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, "", err
	}
	return tokens, userID, nil
}

func issueOne(ctx context.Context, client *http.Client, url string, body []byte) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"?nocatalog", bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, bytes.TrimSpace(data))
	}
	var env bench.RawTokenEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return "", "", err
	}
	token := resp.Header.Get("X-Subject-Token")
	if token == "" {
		return "", "", errors.New("no X-Subject-Token in the answer")
	}
	if env.Token.User.ID == nil {
		return "", "", errors.New("no user id in the token")
	}
	return token, *env.Token.User.ID, nil
}
