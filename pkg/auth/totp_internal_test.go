package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTOTPGeneratorNeverRepeatsACode(t *testing.T) {
	secret := NewTOTPSecret()
	clock := time.Unix(1_800_000_000, 0) // the start of a 30-second step
	g := &totpGenerator{secret: secret, now: func() time.Time { return clock }, lastStep: -1}

	first, err := g.next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := TOTPPasscode(secret, clock); first != want {
		t.Fatalf("first code %q, want the current step's %q", first, want)
	}

	// Later in the same step the code would be the same: the generator waits
	// for the next step, as long as the context lets it.
	clock = clock.Add(20 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if code, err := g.next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("same step: got %q, %v; want the context's deadline", code, err)
	}

	clock = clock.Add(10 * time.Second)
	second, err := g.next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := TOTPPasscode(secret, clock); second != want {
		t.Fatalf("next step's code %q, want %q", second, want)
	}
}

func TestTOTPGeneratorWaitsForTheNextStep(t *testing.T) {
	secret := NewTOTPSecret()
	// A clock 30 s behind the wall clock until the generator has given one
	// code: the wait it computes then ends at once, and the next code is the
	// one of the step after.
	offset := -29*time.Second - 950*time.Millisecond
	g := &totpGenerator{secret: secret, now: func() time.Time { return time.Now().Add(offset) }, lastStep: -1}
	if _, err := g.next(context.Background()); err != nil {
		t.Fatal(err)
	}
	firstStep := g.lastStep
	offset = 0
	code, err := g.next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g.lastStep != firstStep+1 {
		t.Fatalf("step %d after step %d", g.lastStep, firstStep)
	}
	if want, _ := TOTPPasscode(secret, time.Unix(g.lastStep*30, 0)); code != want {
		t.Fatalf("code %q, want %q", code, want)
	}
}
