package auth

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/base32"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
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

// RFC 6238 appendix B, SHA-1 (seed "12345678901234567890"): the last six
// digits of its eight-digit codes.
func TestTOTPPasscodeRFC6238Vectors(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for unix, want := range map[int64]string{
		59: "287082", 1111111109: "081804", 1111111111: "050471",
		1234567890: "005924", 2000000000: "279037", 20000000000: "353130",
	} {
		got, err := TOTPPasscode(secret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("T=%d: %q, %v; want %q", unix, got, err, want)
		}
	}
}

// The codes agree with an independent implementation for secrets of every
// length and spelling (lower case, no padding, surrounding space).
func TestTOTPPasscodeAgreesWithPquernaOTP(t *testing.T) {
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for n := 1; n <= 40; n++ {
		key := make([]byte, n)
		_, _ = cryptorand.Read(key)
		secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
		for _, spelling := range []string{secret, strings.ToLower(secret), " " + secret + "\n"} {
			at := time.Unix(rand.Int64N(4_000_000_000), 0)
			want, err := totp.GenerateCodeCustom(spelling, at, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := TOTPPasscode(spelling, at); err != nil || got != want {
				t.Errorf("secret %q at %v: %q, %v; want %q", spelling, at, got, err, want)
			}
		}
	}
}
