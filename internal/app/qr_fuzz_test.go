package app

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"kaowu"
)

// FuzzVerifyQR feeds arbitrary text to the ticket and score report checks
// (what a camera or a scanner may read): nothing panics, and only the
// payloads the key signed verify.
func FuzzVerifyQR(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	signed := []string{
		signFields(key, ticketQRPrefix, "2411010636800001", "王䶮", "110106********0727", "368", "20240413,20240414", "丰台区第八中学", "第01考场", "12"),
		signFields(key, scoreQRPrefix, "2411010636800001", "王䶮", "110106********0727", "368", "2024", "88,-,61,60", "0"),
	}
	for _, s := range signed {
		f.Add(s)
		f.Add(strings.Replace(s, "|0|", "|1|", 1))
		f.Add(s[:len(s)-3])
	}
	f.Add("KT1|||||||||")
	f.Add("KS1|a|b|c|d|e|f|g|")
	now := time.Date(2024, 4, 13, 8, 0, 0, 0, kaowu.Shanghai)
	if !VerifyTicketQR(pub, signed[0], now).Valid || !VerifyScoreQR(pub, signed[1]).Valid {
		f.Fatal("a signed payload does not verify")
	}
	f.Fuzz(func(t *testing.T, s string) {
		tk, sc := VerifyTicketQR(pub, s, now), VerifyScoreQR(pub, s)
		if !tk.Valid && !sc.Valid {
			return
		}
		for _, g := range signed {
			if strings.TrimSpace(s) == g {
				return
			}
		}
		t.Fatalf("%q verified (ticket %v, score %v) but was never signed", s, tk.Valid, sc.Valid)
	})
}
