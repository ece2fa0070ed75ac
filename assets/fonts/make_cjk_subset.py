#!/usr/bin/env python3
"""Regenerates assets/fonts/NotoSansSC-Subset.otf, the CJK font the PNG charts embed.

Source: Noto Sans CJK SC Regular 2.004 (SIL OFL 1.1, (c) 2014-2021 Adobe), face 2 of
NotoSansCJK-Regular.ttc in Debian's package fonts-noto-cjk (1:20220127+repack1-1):

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
    pip install fonttools
    python3 assets/fonts/make_cjk_subset.py noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Characters kept (what a Chinese report and its data need):
- printable ASCII and Latin-1 (digits, Latin letters, `%`, `±`, `×`, `·`, ...);
- general punctuation U+2010-U+2027, U+2030-U+203A (dashes, quotes, `…`, `‰`), the arrows
  U+2190-U+2193 and `≤ ≥ ≈ ≠ ∞ − √`;
- CJK symbols and punctuation U+3000-U+303F (`、。《》【】「」`), full-width forms
  U+FF01-U+FF5E and U+FFE0-U+FFE6 (`，：；（）％￥`);
- the 3,755 level-1 hanzi of GB 2312 (the common characters: rows 16-55 of the standard),
  so any tranche, segment or scenario name of common characters draws;
- every character of the text files given with --text (the string catalogue, when one
  exists: pass it so every catalogue string draws).

Hinting is dropped (the charts are drawn by ab_glyph, which does not hint) and the font is
renamed "Noto Sans SC Subset" as a modified version (OFL 1.1 allows it; the reserved font
name of the Noto CJK licence is "Source", which is not used).
"""

import argparse
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "NotoSansSC-Subset.otf")
SC_FACE = 2  # JP, KR, SC, TC, HK, then the Mono faces
FAMILY = "Noto Sans SC Subset"


def gb2312_level1():
    """The 3,755 level-1 hanzi: GB 2312 rows 16-55 (bytes 0xB0-0xD7), row 55 has 89."""
    chars = []
    for row in range(0xB0, 0xD8):
        last = 0xF9 if row == 0xD7 else 0xFE
        for cell in range(0xA1, last + 1):
            chars.append(bytes([row, cell]).decode("gb2312"))
    assert len(chars) == 3755, len(chars)
    return chars


def ranges(*pairs):
    return [chr(c) for lo, hi in pairs for c in range(lo, hi + 1)]


def wanted(texts):
    chars = set(ranges((0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2027), (0x2030, 0x203A),
                       (0x2190, 0x2193), (0x3000, 0x303F), (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6)))
    chars.update("≤≥≈≠∞−√")
    chars.update(gb2312_level1())
    for path in texts:
        with open(path, encoding="utf-8") as f:
            chars.update(c for c in f.read() if c.isprintable())
    return chars


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ttc", help="NotoSansCJK-Regular.ttc from fonts-noto-cjk")
    parser.add_argument("--text", action="append", default=[], help="a UTF-8 file whose characters to keep too")
    args = parser.parse_args()

    face = TTCollection(args.ttc).fonts[SC_FACE]
    assert face["name"].getDebugName(1) == "Noto Sans CJK SC", face["name"].getDebugName(1)
    chars = wanted(args.text)
    cmap = face.getBestCmap()
    missing = sorted(c for c in chars if ord(c) not in cmap and not c.isspace())
    if missing:
        print(f"{len(missing)} characters are not in the source font and stay missing: "
              + "".join(missing[:40]), file=sys.stderr)

    options = subset.Options()
    options.hinting = False
    options.desubroutinize = False
    options.layout_features = ["kern", "vert", "palt"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(face)

    names = face["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 3:
            record.string = "2.004;GOOG;NotoSansSC-Subset;baitiao-abs"
        elif record.nameID == 6:
            record.string = "NotoSansSC-Subset"
    names.names = [r for r in names.names if r.nameID not in (16, 17)]
    face.save(OUT)
    check = TTFont(OUT)
    print(f"{OUT}: {os.path.getsize(OUT):,} bytes, {len(check.getBestCmap()):,} characters, "
          f"{len(check.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main()
