"""Independent reading of the HL7 corpus with python-hl7 (Debian python3-hl7),
used by corpus.test.ts as the reference for what our tokenizer extracts.

python-hl7 only splits segments on CR, so line ends are normalised to CR
here; the byte stream our analyzer sees is the file as it is. Files are
decoded as UTF-8 (BOM dropped) unless MSH-18 says 8859/1.
Prints one JSON object: file name -> fields.
"""
import json
import os
import sys

import hl7

FIELDS_MSH = [3, 4, 5, 6]


def text(raw):
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # MSH-18 '8859/1' means Latin-1; undeclared text is UTF-8 unless it is not valid UTF-8 (then Latin-1)
    first = raw.decode("latin-1").split("\n")[0].split("\r")[0]
    try:
        s = raw.decode("latin-1" if "8859/1" in first else "utf-8")
    except UnicodeDecodeError:
        s = raw.decode("latin-1")
    return s.replace("\r\n", "\r").replace("\n", "\r").strip("\r")


def rep_count(seg, n):
    if n >= len(seg):
        return 0
    f = seg[n]
    if str(f) == "":
        return 0
    if isinstance(f, str):
        return 1
    return len(f)


def get(seg, n, rep=1, comp=1, sub=1):
    if n >= len(seg) or rep > max(rep_count(seg, n), 1):
        return None
    try:
        v = seg.extract_field(1, n, rep, comp, sub)
    except (IndexError, KeyError):
        return None
    return v if v not in ("", '""') else None


def main(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".hl7"):
            continue
        with open(os.path.join(folder, name), "rb") as fh:
            msg = hl7.parse(text(fh.read()))
        msh = msg.segment("MSH")
        r = {"segments": [str(s[0]) for s in msg]}
        for n in FIELDS_MSH:
            r["MSH-%d" % n] = [get(msh, n, 1, c) for c in (1, 2, 3)]
        r["MSH-9"] = [get(msh, 9, 1, c) for c in (1, 2, 3)]
        r["MSH-12"] = get(msh, 12)
        r["MSH-18"] = [get(msh, 18, k) for k in range(1, rep_count(msh, 18) + 1)]
        r["MSH-21"] = [get(msh, 21, k) for k in range(1, rep_count(msh, 21) + 1)]
        r["OBX"] = []
        r["SFT"] = []
        r["MSA-1"] = None
        for seg in msg:
            sid = str(seg[0])
            if sid == "OBX":
                r["OBX"].append({
                    "3": [get(seg, 3, 1, c) for c in (1, 2, 3)],
                    "4": get(seg, 4),
                    "18": [[get(seg, 18, k, c) for c in (1, 2, 3, 4)] for k in range(1, rep_count(seg, 18) + 1)],
                })
            elif sid == "SFT":
                r["SFT"].append([get(seg, n) for n in (1, 2, 3, 4, 6)])
            elif sid == "MSA" and r["MSA-1"] is None:
                r["MSA-1"] = get(seg, 1)
        out[name] = r
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
