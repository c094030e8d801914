package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"

	"github.com/signintech/gopdf"
)

// fontData is Noto Sans CJK SC converted to TrueType outlines and subset
// to GB 2312, punctuation, full-width forms, rare name characters and the
// exam year's texts (see fonts/README.md). Licence: fonts/OFL.txt.
//
//go:embed fonts/NotoSansSC-kaowu.ttf
var fontData []byte

// fontFamily is the family name the documents use with gopdf.
const fontFamily = "NotoSansSC-kaowu"

// Missing is the character drawn in place of one the font lacks: a box
// that tells the reader a character is to be written in by hand.
const Missing = '□'

var (
	fontOnce      sync.Once
	fontContainer *gopdf.FontContainer
	fontErr       error
)

// fonts returns the container holding the parsed font. The font is
// parsed once per process and shared by every document: parsing it is
// the dominant cost of a one-page document otherwise.
func fonts() (*gopdf.FontContainer, error) {
	fontOnce.Do(func() {
		fc := &gopdf.FontContainer{}
		opt := gopdf.TtfOption{
			UseKerning:                false,
			Style:                     gopdf.Regular,
			OnGlyphNotFoundSubstitute: func(rune) rune { return Missing },
		}
		if err := fc.AddTTFFontDataWithOption(fontFamily, fontData, opt); err != nil {
			fontErr = fmt.Errorf("pdf: parse the embedded font: %w", err)
			return
		}
		fontContainer = fc
	})
	return fontContainer, fontErr
}

var (
	cmapOnce sync.Once
	cmapSet  map[rune]bool
)

// MissingGlyphs returns the characters of s, in order and without
// repeats, that the embedded font cannot draw (they print as □). The app
// layer can call it when a name or unit is entered, to warn early.
// Control characters such as newlines are ignored.
func MissingGlyphs(s string) []rune {
	cmapOnce.Do(func() { cmapSet = parseCmap(fontData) })
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if r < 0x20 || cmapSet[r] || seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	return out
}

// parseCmap reads the character set of a TrueType font from its cmap
// table: format 12 (full Unicode) when present, else format 4 (BMP).
// It returns an empty set if the table cannot be read.
func parseCmap(font []byte) map[rune]bool {
	set := map[rune]bool{}
	u16 := func(o int) int {
		if o < 0 || o+2 > len(font) {
			return 0
		}
		return int(font[o])<<8 | int(font[o+1])
	}
	u32 := func(o int) int { return u16(o)<<16 | u16(o+2) }
	numTables := u16(4)
	cmap := -1
	for i := 0; i < numTables; i++ {
		rec := 12 + 16*i
		if string(font[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return set
	}
	var f4, f12 int = -1, -1
	for i := 0; i < u16(cmap+2); i++ {
		rec := cmap + 4 + 8*i
		platform, encoding, sub := u16(rec), u16(rec+2), cmap+u32(rec+4)
		switch {
		case platform == 3 && encoding == 10 && u16(sub) == 12:
			f12 = sub
		case platform == 3 && encoding == 1 && u16(sub) == 4:
			f4 = sub
		}
	}
	switch {
	case f12 >= 0:
		groups := u32(f12 + 12)
		for g := 0; g < groups; g++ {
			o := f12 + 16 + 12*g
			for c := u32(o); c <= u32(o+4); c++ {
				set[rune(c)] = true
			}
		}
	case f4 >= 0:
		segX2 := u16(f4 + 6)
		ends, starts := f4+14, f4+16+segX2
		for s := 0; s < segX2/2; s++ {
			for c := u16(starts + 2*s); c <= u16(ends+2*s) && c != 0xFFFF; c++ {
				set[rune(c)] = true
			}
		}
	}
	return set
}

// fixToUnicode repairs the ToUnicode CMap that gopdf writes for a font
// used with characters outside the Basic Multilingual Plane.
//
// gopdf (v0.33.0, unicode_map.go) writes one "<gid><gid><%04X of the
// rune>" line per glyph in a single bfrange block, so 𠮷 (U+20BB7)
// becomes the odd-length "<20BB7>" where the CMap needs the UTF-16BE
// surrogate pair "<D842DFB7>"; text extraction then yields a wrong
// character. The CMap stream is written uncompressed and unencrypted
// (we never enable protection), so the fix is a same-length rewrite of
// that stream in the finished file: the block is rewritten as bfchar
// entries "<gid><utf16be>", in chunks of at most 100 as the CMap
// specification requires, which are always shorter than the bfrange
// lines they replace; the difference is padded with spaces before
// endcmap. As the stream keeps its length, its /Length, every object
// offset and the cross-reference table stay valid. Files without a
// non-BMP character are returned unchanged.
func fixToUnicode(pdf []byte) ([]byte, error) {
	const (
		begin = "beginbfrange\n"
		end   = "endbfrange\n"
		tail  = "endcmap"
	)
	out := pdf
	copied := false
	search := 0
	for {
		i := bytes.Index(out[search:], []byte(begin))
		if i < 0 {
			return out, nil
		}
		i += search
		j := bytes.Index(out[i:], []byte(end))
		k := bytes.Index(out[i:], []byte(tail))
		if j < 0 || k < 0 || k < j {
			return nil, fmt.Errorf("pdf: ToUnicode CMap not in the expected form")
		}
		j, k = i+j, i+k
		// The block starts at the line "N beginbfrange".
		start := bytes.LastIndexByte(out[:i], '\n') + 1
		entries, nonBMP, err := parseBfrange(out[i+len(begin) : j])
		if err != nil {
			return nil, err
		}
		search = k + len(tail)
		if !nonBMP {
			continue
		}
		var b bytes.Buffer
		for n := 0; n < len(entries); n += 100 {
			chunk := entries[n:min(n+100, len(entries))]
			fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
			for _, e := range chunk {
				fmt.Fprintf(&b, "<%04X><", e.gid)
				for _, u := range utf16.Encode([]rune{e.r}) {
					fmt.Fprintf(&b, "%04X", u)
				}
				b.WriteString(">\n")
			}
			b.WriteString("endbfchar\n")
		}
		old := k - start // from "N beginbfrange" up to "endcmap"
		if b.Len() > old {
			return nil, fmt.Errorf("pdf: rewritten ToUnicode CMap would grow (%d > %d bytes)", b.Len(), old)
		}
		for b.Len() < old-1 {
			b.WriteByte(' ')
		}
		if b.Len() < old {
			b.WriteByte('\n')
		}
		if !copied {
			out = bytes.Clone(out)
			copied = true
		}
		copy(out[start:k], b.Bytes())
	}
}

type cmapEntry struct {
	gid int
	r   rune
}

// parseBfrange reads gopdf's "<gid><gid><hex code point>" lines and
// reports whether any code point lies outside the BMP.
func parseBfrange(body []byte) ([]cmapEntry, bool, error) {
	var entries []cmapEntry
	nonBMP := false
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		f := bytes.FieldsFunc(line, func(r rune) bool { return r == '<' || r == '>' })
		if len(f) != 3 || !bytes.Equal(f[0], f[1]) {
			return nil, false, fmt.Errorf("pdf: unexpected ToUnicode line %q", line)
		}
		gid, err1 := strconv.ParseUint(string(f[0]), 16, 16)
		cp, err2 := strconv.ParseUint(string(f[2]), 16, 32)
		if err1 != nil || err2 != nil || cp > 0x10FFFF {
			return nil, false, fmt.Errorf("pdf: unexpected ToUnicode line %q", line)
		}
		if cp > 0xFFFF {
			nonBMP = true
		}
		entries = append(entries, cmapEntry{int(gid), rune(cp)})
	}
	return entries, nonBMP, nil
}
