package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQRDecodes reads the codes back with zbarimg, from a short payload to
// the largest (version 40), Chinese included.
func TestQRDecodes(t *testing.T) {
	zbar := tool(t, "zbarimg", "zbar-tools")
	dir := t.TempDir()
	var payloads, files []string
	for i, n := range []int{1, 14, 40, 106, 154, 300, 1000, 2331} {
		p := fmt.Sprintf("KT1|王䶮|%04d|", n) + strings.Repeat("abcXYZ09=&_?~!", n/14+1)
		p = p[:n]
		m, err := qrModules(p)
		if err != nil {
			t.Fatal(err)
		}
		const scale, quiet = 4, 4
		side := (len(m) + 2*quiet) * scale
		img := image.NewGray(image.Rect(0, 0, side, side))
		for y := range side {
			for x := range side {
				r, c := y/scale-quiet, x/scale-quiet
				img.SetGray(x, y, color.Gray{255})
				if r >= 0 && c >= 0 && r < len(m) && c < len(m) && m[r][c] {
					img.SetGray(x, y, color.Gray{0})
				}
			}
		}
		f := filepath.Join(dir, fmt.Sprintf("qr%d.png", i))
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		payloads, files = append(payloads, p), append(files, f)
	}
	for i, f := range files {
		got := strings.TrimSuffix(run(t, zbar, "--quiet", "--raw", "-Sbinary", "-Sdisable", "-Sqrcode.enable", f), "\n")
		if got != payloads[i] {
			t.Errorf("%d characters: zbarimg read %q, want %q", len(payloads[i]), got, payloads[i])
		}
	}
}

// BenchmarkQR measures encoding a ticket's payload of about 300
// characters.
func BenchmarkQR(b *testing.B) {
	p := ticketQR("2024110136800017")
	for b.Loop() {
		if _, err := qrModules(p); err != nil {
			b.Fatal(err)
		}
	}
}
