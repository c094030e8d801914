package kaowu

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// MaskID hides the middle of an identity document number: an 18-character
// number keeps its first 6 and last 4 characters (110105********002X).
// Numbers of 11 to 17 characters keep 6 and 4 too; shorter ones (passes of
// 8–10 characters) keep their first and last 2, so that the masked form
// never shows more than half of the number.
func MaskID(s string) string {
	r := []rune(s)
	n := len(r)
	keepHead, keepTail := 6, 4
	switch {
	case n == 0:
		return ""
	case n <= 4:
		return strings.Repeat("*", n)
	case n <= 10:
		keepHead, keepTail = 2, 2
	}
	return string(r[:keepHead]) + strings.Repeat("*", n-keepHead-keepTail) + string(r[n-keepTail:])
}

// LogValue implements slog.LogValuer: an IDNumber logs masked.
func (n IDNumber) LogValue() slog.Value { return slog.StringValue(MaskID(string(n))) }

// idPattern matches what looks like an ID number inside free text: an
// 18-character GB 11643-shaped number, a 15-character old foreign permanent
// residence number, or a Hong Kong / Macao pass number.
var idPattern = regexp.MustCompile(`\b[0-9]{17}[0-9Xx]\b|\b[A-Z]{3}[0-9]{12}\b|\b[HMhm][0-9]{8}(?:[0-9]{2})?\b`)

// MaskIDsIn masks every ID-number-shaped run of characters in s.
func MaskIDsIn(s string) string {
	if !mayHoldID(s) {
		return s // no regexp for most text (ticket numbers, amounts, dates)
	}
	return idPattern.ReplaceAllStringFunc(s, MaskID)
}

// mayHoldID reports whether s has a run of digits that idPattern could
// match: 18 digits, or 17 and an X; 12 after three letters; 8 or 10 after
// H or M. Any run it does not report cannot match.
func mayHoldID(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		switch n := j - i; {
		case n == 18, n == 17 && j < len(s) && (s[j] == 'X' || s[j] == 'x'):
			return true
		case n == 12 && i >= 3:
			return true
		case (n == 8 || n == 10) && i >= 1 && strings.IndexByte("HMhm", s[i-1]) >= 0:
			return true
		}
		i = j
	}
	return false
}

// MaskingReplaceAttr is a slog.HandlerOptions.ReplaceAttr that masks ID
// numbers in every string attribute and in errors, whatever their key.
func MaskingReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); len(s) >= 9 {
			a.Value = slog.StringValue(MaskIDsIn(s))
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(MaskIDsIn(err.Error()))
		}
	}
	return a
}

// maskingHandler masks ID numbers in the message and attributes of every
// record before passing it on.
type maskingHandler struct{ next slog.Handler }

// NewMaskingHandler wraps h so that no ID number reaches it unmasked: the
// message and every string or error attribute (also those added by With)
// are passed through MaskIDsIn.
func NewMaskingHandler(h slog.Handler) slog.Handler {
	if m, ok := h.(maskingHandler); ok {
		return m
	}
	return maskingHandler{next: h}
}

func (h maskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, MaskIDsIn(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h maskingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return maskingHandler{next: h.next.WithAttrs(masked)}
}

func (h maskingHandler) WithGroup(name string) slog.Handler {
	return maskingHandler{next: h.next.WithGroup(name)}
}

func maskAttr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		g := a.Value.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = maskAttr(x)
		}
		return slog.Group(a.Key, out...)
	}
	return MaskingReplaceAttr(nil, a)
}
