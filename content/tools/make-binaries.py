#!/usr/bin/env python3
"""Regenerate the binary files of the sample legacy tree, byte for byte.

Written for the pagemap project. Everything here is drawn or written from
scratch (no copied logo, no real Python release), and every output is
deterministic: fixed timestamps, fixed owners, no gzip file name, a fixed
pseudo-random seed. Running it twice gives identical bytes.

    python3 content/tools/make-binaries.py            # write the files
    python3 content/tools/make-binaries.py --check    # only compare
"""

import gzip
import io
import math
import struct
import sys
import tarfile
import zlib
from pathlib import Path

LEGACY = Path(__file__).resolve().parent.parent / "legacy"
EPOCH_2006 = 1136073600  # 2006-01-01T00:00:00Z


# --- PNG -------------------------------------------------------------------

def png(width, height, pixel):
    """Encode an 8-bit RGB PNG; pixel(x, y) returns an (r, g, b) tuple."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type: none
        for x in range(width):
            raw.extend(pixel(x, y))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def hex_rgb(value):
    return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))


def python_hi():
    """A 64x64 wavy snake with a yellow eye (an original drawing)."""
    bg, body, eye, belly = hex_rgb("#F7F7F7"), hex_rgb("#376A94"), hex_rgb("#FFDB4C"), hex_rgb("#9DB8CF")
    samples = [(x / 4, 30 + 11 * math.sin((x / 4 - 6) / 44 * 2 * math.pi)) for x in range(24, 4 * 50)]
    head = (52.0, 30 + 11 * math.sin((52 - 6) / 44 * 2 * math.pi))

    def pixel(x, y):
        px, py = x + 0.5, y + 0.5
        if (px - head[0] - 1) ** 2 + (py - head[1] + 1.5) ** 2 <= 2.2:
            return eye
        if (px - head[0]) ** 2 + (py - head[1]) ** 2 <= 36:
            return body
        dist = min((px - sx) ** 2 + (py - sy) ** 2 for sx, sy in samples)
        if dist <= 2.0:
            return belly
        if dist <= 12.25:
            return body
        if 54 <= y <= 56 and 8 <= x <= 56:
            return eye  # a yellow ground line
        return bg

    return png(64, 64, pixel)


def banner():
    """A 240x40 header strip: blue fading to grey, yellow rule at the bottom."""
    left, right, rule = hex_rgb("#376A94"), hex_rgb("#F7F7F7"), hex_rgb("#FFBC29")

    def pixel(x, y):
        if y >= 37:
            return rule
        t = x / 239
        return tuple(round(a + (b - a) * t) for a, b in zip(left, right))

    return png(240, 40, pixel)


# --- PDF -------------------------------------------------------------------

QUICKREF = [
    ("F1", 18, "Python 2.4 Quick Reference"),
    ("F1", 10, "A one-page card from the pagemap sample site (written for this project)."),
    ("F1", 10, ""),
    ("F1", 12, "Starting"),
    ("F2", 10, "python                  interactive interpreter"),
    ("F2", 10, "python script.py        run a script"),
    ("F2", 10, "python -c 'print 42'    run one statement"),
    ("F1", 10, ""),
    ("F1", 12, "Built-in types"),
    ("F2", 10, "int long float complex  1  10L  3.14  2j"),
    ("F2", 10, "str unicode             'abc'  u'caf\\xe9'"),
    ("F2", 10, "list tuple dict set     [1, 2]  (1, 2)  {'a': 1}  set([1])"),
    ("F1", 10, ""),
    ("F1", 12, "Statements"),
    ("F2", 10, "if x: ... elif y: ... else: ..."),
    ("F2", 10, "for item in seq: ...    while cond: ..."),
    ("F2", 10, "try: ... except IOError, e: ...   (2.4: no finally here)"),
    ("F2", 10, "try: ... finally: ..."),
    ("F2", 10, "def f(a, b=2, *args, **kw): return a"),
    ("F2", 10, "class C(object): pass"),
    ("F1", 10, ""),
    ("F1", 12, "New in 2.4"),
    ("F2", 10, "@decorator              function decorators"),
    ("F2", 10, "sum(x*x for x in xs)    generator expressions"),
    ("F2", 10, "sorted(seq, key=len)    sorted() and reversed()"),
    ("F2", 10, "from decimal import Decimal"),
    ("F1", 10, ""),
    ("F1", 10, "More: /doc/tutorial.html and /doc/faq.html on this site."),
]


def pdf_string(text):
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def quickref_pdf():
    lines = ["BT", "/F1 18 Tf", "20 TL", "72 770 Td"]
    for font, size, text in QUICKREF:
        lines.append(f"/{font} {size} Tf {size + 5} TL")
        lines.append(f"{pdf_string(text)} Tj T*" if text else "T*")
    lines.append("ET")
    lines += ["0.216 0.416 0.580 RG", "1 w", "72 752 m 523 752 l S"]
    content = ("\n".join(lines) + "\n").encode("latin-1")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
        b"<< /Title (Python 2.4 Quick Reference) /Author (pagemap sample) "
        b"/Producer (make-binaries.py) /CreationDate (D:20060115120000Z) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 7 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


# --- archives --------------------------------------------------------------

def tgz(top, files):
    """A gzip'd ustar archive: fixed mtime, root:root numeric, no gzip name or time."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        def add(name, data=None):
            info = tarfile.TarInfo(name)
            info.mtime = EPOCH_2006
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.mode, info.size = 0o644, len(data)
                tar.addfile(info, io.BytesIO(data))
        add(top)
        for name in sorted(files):
            add(f"{top}/{name}", files[name].encode("utf-8"))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def release_files(version, date):
    title = f"This is Python version {version} -- pagemap sample edition"
    readme = f"""{title}
{"=" * len(title)}

This archive is NOT a Python release. It is a stand-in shipped with the
pagemap sample site (a small python.org of 2006) so that the download
links have something real to serve. It was written for this project.

Released: {date}

Building
--------

On Unix, Linux, BSD, OSX and Cygwin a real source release is built with

    ./configure
    make
    make test
    make install

This stand-in only has a setup.py, which prints a friendly message:

    python setup.py

What's new in 2.4
-----------------

- Function and method decorators (@staticmethod and friends).
- Generator expressions: sum(x*x for x in range(10)).
- Built-in set() and frozenset() types.
- The decimal module, subprocess module and sorted()/reversed().

Copyright
---------

The sample text is free to reuse under the pagemap project's licence.
"""
    setup = f'''#!/usr/bin/env python
"""Stand-in setup script for the pagemap sample Python-{version} archive."""

import sys

VERSION = "{version}"


def main():
    print "Python-%s (pagemap sample): nothing to build here." % VERSION
    print "Get a real release from your distribution or python.org."
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
    return {"README": readme, "setup.py": setup}


def msi_placeholder():
    """A header line, then 2048 bytes from a fixed LCG, so the file is binary."""
    out = bytearray(b"MSI placeholder for the pagemap sample\n")
    state = 20060101
    for _ in range(2048):
        state = (1103515245 * state + 12345) % 2 ** 31
        out.append((state >> 16) & 0xFF)
    return bytes(out)


OUTPUTS = {
    "pics/pythonHi.png": python_hi,
    "pics/banner.png": banner,
    "doc/quickref.pdf": quickref_pdf,
    "ftp/python/2.4.2/Python-2.4.2.tgz": lambda: tgz("Python-2.4.2", release_files("2.4.2", "2005-09-28")),
    "ftp/python/2.4.2/python-2.4.2.msi": msi_placeholder,
    "ftp/python/2.4.1/Python-2.4.1.tgz": lambda: tgz("Python-2.4.1", release_files("2.4.1", "2005-03-30")),
}


def main(argv):
    check = "--check" in argv
    differ = 0
    for rel, make in OUTPUTS.items():
        data = make()
        path = LEGACY / rel
        if check:
            same = path.exists() and path.read_bytes() == data
            differ += not same
            print(f"{'ok  ' if same else 'DIFF'} {rel} ({len(data)} bytes)")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {rel} ({len(data)} bytes)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
