package photo

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"kaowu"
)

// Picture returns an encoded w×h test picture ("jpeg" or "png").
func picture(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	switch format {
	case "jpeg":
		jpeg.Encode(&b, img, nil)
	case "png":
		png.Encode(&b, img)
	case "gif":
		gif.Encode(&b, img, nil)
	}
	return b.Bytes()
}

// withEXIF inserts an APP1 EXIF segment carrying marker after the SOI of a
// JPEG.
func withEXIF(j []byte, marker string) []byte {
	payload := append([]byte("Exif\x00\x00"), marker...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

func TestProcess(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   []byte
		ok     bool
		want   string
		w, h   int
		policy Rules
	}{
		{"1-inch JPEG", picture(t, "jpeg", 295, 413), true, "", 295, 413, IDPhoto},
		{"PNG", picture(t, "png", 358, 441*358/358+60), true, "", 358, 501, IDPhoto},
		{"large photo scaled down", picture(t, "jpeg", 1180, 1652), true, "", 590, 826, IDPhoto},
		{"too small", picture(t, "jpeg", 200, 280), false, "尺寸太小", 0, 0, IDPhoto},
		{"landscape", picture(t, "jpeg", 600, 413), false, "高宽比", 0, 0, IDPhoto},
		{"square", picture(t, "png", 500, 500), false, "高宽比", 0, 0, IDPhoto},
		{"GIF", picture(t, "gif", 295, 413), false, "JPG 或 PNG", 0, 0, IDPhoto},
		{"text", []byte("<script>alert(1)</script>"), false, "JPG 或 PNG", 0, 0, IDPhoto},
		{"empty", nil, false, "请选择", 0, 0, IDPhoto},
		{"over 2 MB", append(picture(t, "jpeg", 295, 413), make([]byte, 2<<20)...), false, "太大", 0, 0, IDPhoto},
		{"truncated", picture(t, "jpeg", 295, 413)[:600], false, "损坏", 0, 0, IDPhoto},
		{"evidence landscape", picture(t, "jpeg", 800, 600), true, "", 800, 600, Evidence},
		{"evidence too small", picture(t, "jpeg", 300, 300), false, "尺寸太小", 0, 0, Evidence},
	} {
		res, err := Process(c.data, c.policy)
		if !c.ok {
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				continue
			}
			msg := kaowu.ErrorMessage(err)
			if kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(msg, c.want) || !strings.Contains(msg, "要求") ||
				kaowu.ErrorFields(err)[c.policy.Field] == "" {
				t.Errorf("%s: %v, want invalid on %s mentioning %q and the requirement", c.name, err, c.policy.Field, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(res.JPEG))
		if err != nil || format != "jpeg" || cfg.Width != c.w || cfg.Height != c.h || res.Width != c.w || res.Height != c.h {
			t.Errorf("%s: stored %s %dx%d (%v), want jpeg %dx%d", c.name, format, cfg.Width, cfg.Height, err, c.w, c.h)
		}
	}
}

func TestProcessStripsMetadata(t *testing.T) {
	in := withEXIF(picture(t, "jpeg", 295, 413), "GPS 39.8N 116.3E secret")
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test setup: the EXIF JPEG does not decode: %v", err)
	}
	res, err := Process(in, IDPhoto)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(res.JPEG, []byte("secret")) || bytes.Contains(res.JPEG, []byte("Exif")) {
		t.Error("metadata survived re-encoding")
	}
}

func TestRequirementIsChinese(t *testing.T) {
	if r := IDPhoto.Requirement(); !strings.Contains(r, "295×413") || !strings.Contains(r, "2 MB") {
		t.Errorf("requirement = %q", r)
	}
}

// FuzzProcess checks that no input panics or is accepted without being a
// JPEG that satisfies the rules.
func FuzzProcess(f *testing.F) {
	f.Add(picture(f, "jpeg", 295, 413))
	f.Add(picture(f, "png", 300, 420))
	f.Add(picture(f, "gif", 295, 413))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xFF, 0xD8, 0xFF})
	small := Rules{What: "照片", Field: "photo", MaxBytes: 1 << 20, MinWidth: 2, MinHeight: 2, MaxPixels: 1 << 20,
		MaxStoredWidth: 64, MaxStoredHeight: 64, Quality: 80}
	// The real rules, with the pixel budget lowered: a mutated header that
	// claims 24 megapixels costs seconds per input under the fuzzer's
	// instrumentation and starves it. The budget check itself is the same.
	photo := IDPhoto
	photo.MaxPixels = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range []Rules{photo, small} {
			res, err := Process(data, r)
			if err != nil {
				if kaowu.ErrorCode(err) != kaowu.EINVALID {
					t.Fatalf("refusal is not invalid: %v", err)
				}
				continue
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(res.JPEG))
			if err != nil || format != "jpeg" || cfg.Width > r.MaxStoredWidth || cfg.Height > r.MaxStoredHeight || cfg.Width < 1 {
				t.Fatalf("accepted output is %s %dx%d: %v", format, cfg.Width, cfg.Height, err)
			}
		}
	})
}
