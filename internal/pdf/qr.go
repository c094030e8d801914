package pdf

import (
	"fmt"

	"rsc.io/qr"
)

// qrModules returns the modules of a QR code for payload (medium error
// correction), without the quiet zone: true is dark. rsc.io/qr encodes a
// ticket's 300-character payload in about 0.04 ms (github.com/skip2/go-qrcode
// took 1.2 ms, as long as drawing the rest of the ticket).
func qrModules(payload string) ([][]bool, error) {
	c, err := qr.Encode(payload, qr.M)
	if err != nil {
		return nil, fmt.Errorf("pdf: QR code: %w", err)
	}
	m := make([][]bool, c.Size)
	for y := range m {
		m[y] = make([]bool, c.Size)
		for x := range m[y] {
			m[y][x] = c.Black(x, y)
		}
	}
	return m, nil
}

// qr draws the modules of a QR code of side size mm with its top-left corner
// at (x, y), in vector rectangles, so that it prints sharp at any
// resolution: each horizontal run of dark modules is a rectangle that
// extends down over the rows below as far as they are dark all across it,
// and a run that such a rectangle covers already is not drawn again (the
// finder patterns' sides, say: fewer rectangles, a smaller and faster
// file). The caller keeps a quiet zone of 4 modules clear around it.
func (d *doc) qr(x, y, size float64, m [][]bool) {
	n := len(m)
	u := size / float64(n)
	covered := make([]bool, n*n)
	d.pdf.SetFillColor(0, 0, 0)
	for r := range n {
		for c := 0; c < n; {
			if !m[r][c] {
				c++
				continue
			}
			e := c
			done := true
			for e < n && m[r][e] {
				done = done && covered[r*n+e]
				e++
			}
			if !done {
				b := r + 1
				for b < n && allDark(m[b][c:e]) {
					b++
				}
				for k := r; k < b; k++ {
					for j := c; j < e; j++ {
						covered[k*n+j] = true
					}
				}
				// Overlap the next row by a hair so no seam shows.
				d.pdf.RectFromUpperLeftWithStyle(x+float64(c)*u, y+float64(r)*u, float64(e-c)*u, float64(b-r)*u+0.02, "F")
			}
			c = e
		}
	}
}

func allDark(row []bool) bool {
	for _, v := range row {
		if !v {
			return false
		}
	}
	return true
}
