package pdf

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// qrModules returns the modules of a QR code for payload (medium error
// correction), without the quiet zone: true is dark.
func qrModules(payload string) ([][]bool, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("pdf: QR code: %w", err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

// qr draws the modules of a QR code of side size mm with its top-left corner
// at (x, y), in vector rectangles: one per horizontal run of dark
// modules, so that it prints sharp at any resolution. The caller keeps a
// quiet zone of 4 modules clear around it.
func (d *doc) qr(x, y, size float64, m [][]bool) {
	n := len(m)
	u := size / float64(n)
	d.pdf.SetFillColor(0, 0, 0)
	for r := range n {
		for c := 0; c < n; {
			if !m[r][c] {
				c++
				continue
			}
			e := c
			for e < n && m[r][e] {
				e++
			}
			// Overlap the next row by a hair so no seam shows.
			d.pdf.RectFromUpperLeftWithStyle(x+float64(c)*u, y+float64(r)*u, float64(e-c)*u, u+0.02, "F")
			c = e
		}
	}
}
