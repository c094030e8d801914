#!/usr/bin/python3
"""Build internal/pdf/fonts/NotoSansSC-kaowu.ttf, the CJK font kaowu embeds.

Go PDF libraries (gopdf) read only TrueType-outline fonts, while Debian's
fonts-noto-cjk ships Noto Sans CJK as CFF outlines in a .ttc collection. This
script takes the Simplified Chinese face out of the collection, subsets it to
the characters the project prints, and converts the CFF outlines to TrueType
(quadratic) outlines with fontTools' cu2qu pen (the fontTools "otf2ttf"
snippet). The full-width glyphs are then ordered last, so that hmtx is
compact (see reorder).

Characters kept:
  * ASCII, Latin-1 punctuation, general punctuation, CJK symbols and
    punctuation, full-width and half-width forms, a few symbols;
  * every character of GB 2312 (6 763 hanzi + 682 symbols);
  * rare name characters (生僻字) that must print: 堃 喆 玥 昇 䶮 𠮷 犇 淼;
  * every character of the exam year's data and the notice (paths below);
  * every non-ASCII character in the Go sources of internal/pdf, so that
    the forms' own labels always print.

Run from the repository root with Debian's python3 (python3-fonttools):
    /usr/bin/python3 internal/pdf/fonts/build.py [--notice PATH]
Needs the Debian package fonts-noto-cjk (built from 1:20220127+repack1-1,
Noto Sans CJK SC version 2.004).
"""
import argparse
import glob
import os
import sys
from collections import Counter

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE = "Noto Sans CJK SC"
FAMILY = "Noto Sans SC kaowu"
OUT = "internal/pdf/fonts/NotoSansSC-kaowu.ttf"
RARE = "堃喆玥昇䶮𠮷犇淼"
TEXT_FILES = ["policy/years/2024.yaml"]
DEFAULT_NOTICE = "../shared/policy/2024-fengtai-notice.zh.txt"
MAX_ERR = 1.0  # cu2qu tolerance in font units (1/1000 em): invisible in print


def gb2312():
    """Every character GB 2312 encodes (rows 0xA1..0xF7, cells 0xA1..0xFE)."""
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def wanted(notice):
    chars = set(chr(c) for c in range(0x20, 0x7F))  # ASCII
    ranges = [
        (0x00A0, 0x00FF),  # Latin-1 supplement: · × ÷ ° § ©
        (0x2000, 0x206F),  # general punctuation: — ‘ ’ “ ” … ‰ ※
        (0x2100, 0x214F),  # letterlike: ℃ № ℡
        (0x2160, 0x217F),  # Roman numerals
        (0x2190, 0x21FF),  # arrows
        (0x2460, 0x24FF),  # enclosed alphanumerics ① ⑴ ⒈
        (0x25A0, 0x25FF),  # geometric shapes □ ■ ○ ●
        (0x2610, 0x2612),  # ballot boxes ☐ ☑ ☒
        (0x2713, 0x2714),  # check marks ✓ ✔
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0x3200, 0x32FF),  # enclosed CJK ㈠ ㊣
        (0xFE30, 0xFE4F),  # CJK compatibility forms
        (0xFF00, 0xFFEF),  # full-width and half-width forms
    ]
    for lo, hi in ranges:
        chars.update(chr(c) for c in range(lo, hi + 1))
    chars |= gb2312()
    chars |= set(RARE)
    files = list(TEXT_FILES) + [notice] + sorted(p for p in glob.glob("internal/pdf/*.go") if not p.endswith("_test.go"))
    for path in files:
        if not os.path.exists(path):
            sys.exit(f"build.py: {path} not found (run from the repository root)")
        with open(path, encoding="utf-8") as f:
            chars |= set(f.read())
    return {ord(c) for c in chars if ord(c) >= 0x20}


def otf_to_ttf(font):
    """Replace the CFF table by glyf/loca with quadratic outlines."""
    assert font.sfntVersion == "OTTO" and "CFF " in font
    order = font.getGlyphOrder()
    glyphset = font.getGlyphSet()
    glyphs = {}
    for name in order:
        tt = TTGlyphPen(glyphset)
        glyphset[name].draw(Cu2QuPen(tt, MAX_ERR, reverse_direction=True))
        glyphs[name] = tt.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    for t in ("VORG",):
        if t in font:
            del font[t]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, g in glyphs.items():
        adv, _ = hmtx.metrics[name]
        hmtx.metrics[name] = (adv, getattr(g, "xMin", 0) if g.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for f in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
              "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
              "maxComponentElements"):
        setattr(maxp, f, 0)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: smaller, and PDFs never need them
    font.sfntVersion = "\000\001\000\000"


def reorder(font):
    """Order the glyphs for a compact hmtx that deflates fast.

    gopdf copies hmtx whole into every PDF's font subset, and deflating its
    33 kB of 4-byte records of nearly equal values was the slowest part of
    writing a one-page document. The glyphs of the common advance (the
    full-width CJK glyphs) go last, so that hmtx stores an advance only for
    the glyphs before them (fontTools sets hhea.numberOfHMetrics when it
    compiles hmtx) and a left side bearing for the others: about 18 kB. Each
    group is sorted by its metrics, so that the table is long runs of equal
    values. Glyph IDs change; outlines, advances and the cmap do not.
    """
    for tag in font.keys():
        font[tag]  # decompile every table before glyph IDs change
    order = font.getGlyphOrder()
    metrics = font["hmtx"].metrics
    common = Counter(metrics[n][0] for n in order[1:]).most_common(1)[0][0]
    index = {n: i for i, n in enumerate(order)}
    rest = sorted((n for n in order[1:] if metrics[n][0] != common), key=lambda n: (metrics[n], index[n]))
    full = sorted((n for n in order[1:] if metrics[n][0] == common), key=lambda n: (metrics[n][1], index[n]))
    new = [order[0]] + rest + full  # .notdef stays glyph 0
    font.setGlyphOrder(new)
    font["glyf"].glyphOrder = new


def rename(font):
    name = font["name"]
    ps = FAMILY.replace(" ", "")
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID in (2, 17):
            rec.string = "Regular"
        elif rec.nameID == 3:
            rec.string = f"{ps}-Regular;subset of Noto Sans CJK SC 2.004"
        elif rec.nameID == 4:
            rec.string = f"{FAMILY} Regular"
        elif rec.nameID == 6:
            rec.string = f"{ps}-Regular"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--notice", default=DEFAULT_NOTICE)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()

    coll = TTCollection(SOURCE)
    font = next(f for f in coll.fonts if f["name"].getDebugName(1) == FACE)
    unicodes = wanted(args.notice)

    opts = subset.Options()
    opts.layout_features = []  # gopdf does no shaping
    opts.hinting = False
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 16, 17]
    opts.name_languages = ["*"]
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    opts.desubroutinize = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)

    otf_to_ttf(font)
    reorder(font)
    rename(font)
    font.recalcTimestamp = False  # keep the source's dates: reproducible output
    font.save(args.out)

    check = TTFont(args.out)
    cmap = check.getBestCmap()
    missing = [c for c in RARE if ord(c) not in cmap]
    if missing:
        sys.exit(f"build.py: missing rare characters {missing}")
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, "
          f"{check['maxp'].numGlyphs} glyphs, {len(cmap)} mapped characters "
          f"({len(unicodes)} wanted)")


if __name__ == "__main__":
    main()
