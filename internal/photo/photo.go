// Package photo validates uploaded images (a candidate's photo, the scanned
// evidence of a change request): it proves that the bytes are a JPEG or PNG
// image by decoding them, checks size, pixel bounds and shape, and
// re-encodes the picture as a fresh JPEG, which drops every metadata block
// (EXIF with its GPS position, comments, colour profiles).
package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"

	"kaowu"
)

// Rules are what an upload must satisfy, and the size it is stored at.
type Rules struct {
	// What names the upload in messages: 照片, 证明材料.
	What string
	// Field is the form field that errors name.
	Field               string
	MaxBytes            int
	MinWidth, MinHeight int
	// MaxPixels refuses images whose decoded size would be too large to
	// hold in memory (a "decompression bomb"), before decoding them.
	MaxPixels int
	// MinRatio and MaxRatio bound height/width; zero means any.
	MinRatio, MaxRatio float64
	// MaxStoredHeight and MaxStoredWidth: larger pictures are scaled down
	// (keeping their shape) before they are stored.
	MaxStoredWidth, MaxStoredHeight int
	Quality                         int
}

// IDPhoto is the candidate's photo: like a 1-inch ID photo (一寸照片,
// 295×413 pixels at 300 dpi), portrait, at most 2 MB.
var IDPhoto = Rules{
	What: "照片", Field: "photo", MaxBytes: 2 << 20, MinWidth: 295, MinHeight: 413, MaxPixels: 16_000_000,
	MinRatio: 1.25, MaxRatio: 1.6, MaxStoredWidth: 590, MaxStoredHeight: 826, Quality: 90,
}

// Evidence is a scanned document or a phone picture of one: any shape, at
// least 400 pixels each way, at most 2 MB.
var Evidence = Rules{
	What: "证明材料", Field: "evidence", MaxBytes: 2 << 20, MinWidth: 400, MinHeight: 400, MaxPixels: 16_000_000,
	MaxStoredWidth: 2000, MaxStoredHeight: 2000, Quality: 85,
}

// Result is a validated, re-encoded image.
type Result struct {
	JPEG          []byte
	Width, Height int
}

// Requirement says in Chinese what an upload must be.
func (r Rules) Requirement() string {
	s := fmt.Sprintf("要求：JPG 或 PNG 格式，不超过 %s，至少 %d×%d 像素（宽×高）", mb(r.MaxBytes), r.MinWidth, r.MinHeight)
	if r.MinRatio > 0 {
		s += "，竖幅（高约为宽的 1.4 倍，如一寸证件照 295×413）"
	}
	return s + "。"
}

func mb(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

func (r Rules) refuse(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...) + r.Requirement()
	return kaowu.FieldError(r.Field, msg)
}

// sem bounds concurrent decodes: each may hold up to MaxPixels×4 bytes.
var sem = make(chan struct{}, 2)

// Process validates data against r and returns it re-encoded as JPEG.
// Every refusal is an EINVALID error on r.Field whose message says what was
// wrong and what is required.
func Process(data []byte, r Rules) (Result, error) {
	if len(data) == 0 {
		return Result{}, r.refuse("请选择要上传的%s文件。", r.What)
	}
	if len(data) > r.MaxBytes {
		return Result{}, r.refuse("%s文件太大（%s）。", r.What, mb(len(data)))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "jpeg" && format != "png") {
		return Result{}, r.refuse("%s不是可识别的 JPG 或 PNG 图片。", r.What)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > r.MaxPixels || cfg.Width > 20000 || cfg.Height > 20000 {
		return Result{}, r.refuse("%s像素尺寸过大（%d×%d）。", r.What, cfg.Width, cfg.Height)
	}
	if cfg.Width < r.MinWidth || cfg.Height < r.MinHeight {
		return Result{}, r.refuse("%s尺寸太小（%d×%d 像素）。", r.What, cfg.Width, cfg.Height)
	}
	if r.MinRatio > 0 {
		ratio := float64(cfg.Height) / float64(cfg.Width)
		if ratio < r.MinRatio || ratio > r.MaxRatio {
			return Result{}, r.refuse("%s的高宽比为 %.2f（%d×%d），不是证件照的竖幅比例。", r.What, ratio, cfg.Width, cfg.Height)
		}
	}
	sem <- struct{}{}
	defer func() { <-sem }()
	var img image.Image
	if format == "jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return Result{}, r.refuse("%s文件已损坏或不完整，无法读取。", r.What)
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Result{}, r.refuse("%s文件已损坏或不完整，无法读取。", r.What)
	}
	stored := fit(flatten(img), r.MaxStoredWidth, r.MaxStoredHeight)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, stored, &jpeg.Options{Quality: r.Quality}); err != nil {
		return Result{}, fmt.Errorf("encode %s: %w", r.What, err)
	}
	ob := stored.Bounds()
	return Result{JPEG: out.Bytes(), Width: ob.Dx(), Height: ob.Dy()}, nil
}

// flatten draws img onto white (transparent PNG areas become white, not
// black, in the JPEG) as RGBA, through image/draw's fast paths.
func flatten(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	return dst
}

// fit scales src down (never up) to fit maxW×maxH, averaging the source
// pixels that fall into each destination pixel (a box filter).
func fit(src *image.RGBA, maxW, maxH int) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if maxW <= 0 || maxH <= 0 || (w <= maxW && h <= maxH) {
		return src
	}
	scale := min(float64(maxW)/float64(w), float64(maxH)/float64(h))
	dw, dh := max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		y0, y1 := dy*h/dh, max((dy+1)*h/dh, dy*h/dh+1)
		for dx := 0; dx < dw; dx++ {
			x0, x1 := dx*w/dw, max((dx+1)*w/dw, dx*w/dw+1)
			var sum [4]int
			for y := y0; y < y1; y++ {
				row := src.Pix[y*src.Stride+x0*4 : y*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					sum[0] += int(row[i])
					sum[1] += int(row[i+1])
					sum[2] += int(row[i+2])
					sum[3] += int(row[i+3])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			o := dy*dst.Stride + dx*4
			for c := range 4 {
				dst.Pix[o+c] = uint8(sum[c] / n)
			}
		}
	}
	return dst
}
