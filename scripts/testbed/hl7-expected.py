#!/usr/bin/python3
"""Independent expectations for auscult's HL7 parser, from python-hl7
(Debian python3-hl7 0.4.5), an HL7 v2 parser that shares no code with ours.

Usage: hl7-expected.py FILE... > expected.json

Prints one JSON object keyed by file name. For each file:

* ``rawParse``: what python-hl7 makes of the bytes as they are (decoded, not
  otherwise touched): number of segments, or the error. python-hl7 splits
  segments on CR only and keeps a UTF-8 BOM, so LF-terminated files come out
  as one segment and BOM files fail; that is recorded, not hidden.
* ``normalised``: the steps applied before the parse used for the fields
  (strip a UTF-8 BOM, CRLF/LF -> CR). Empty when none were needed.
* ``encoding``: how the bytes were decoded (latin1 when MSH-18 says 8859/1
  or the bytes are not UTF-8).
* the fields: MSH-3/4/5/6 as HD (namespace, universal id, type), MSH-9
  (components joined by ^), MSH-12 (VID.1), MSH-18 (repetitions), MSH-21 (EI
  repetitions), SFT-1.1/2/3/4/6, every OBX-18 repetition with its OBX-3 and
  OBX-1, PRT-10/16/20, MSA-1. Values are as python-hl7 returns them: escape
  sequences are not decoded; subcomponents are joined with '&'.
"""
import json
import os
import sys

import hl7

BOM = "\ufeff"


def reps(field):
    """A python-hl7 field as a list of repetitions, each a list of component strings."""
    if field is None:
        return []
    if isinstance(field, str):
        return [[field]] if field != "" else []
    out = []
    for r in field:
        if isinstance(r, str):
            out.append([r])
            continue
        comps = []
        for c in r:
            comps.append(c if isinstance(c, str) else "&".join(str(s) for s in c))
        out.append(comps)
    return [r for r in out if any(x != "" for x in r)]


def get_field(seg, n):
    try:
        return seg[n]
    except (IndexError, KeyError):
        return None


def comp(rep, i):
    v = rep[i] if rep is not None and i < len(rep) else ""
    return v if v != "" else None


def hd(seg, n):
    r = reps(get_field(seg, n))
    if not r:
        return None
    first = r[0]
    return {"namespaceId": comp(first, 0), "universalId": comp(first, 1), "universalIdType": comp(first, 2)}


def ei(rep):
    return {"entityId": comp(rep, 0), "namespaceId": comp(rep, 1), "universalId": comp(rep, 2),
            "universalIdType": comp(rep, 3)}


def joined(seg, n):
    r = reps(get_field(seg, n))
    return "^".join(r[0]).rstrip("^") if r else None


def first(seg, n):
    r = reps(get_field(seg, n))
    return comp(r[0], 0) if r else None


def segments(msg, name):
    return [s for s in msg if str(s[0]) == name]


def decode(raw: bytes):
    head = raw[:600]
    if b"8859" in head.split(b"\r")[0].split(b"\n")[0]:
        return raw.decode("latin1"), "latin1"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin1"), "latin1"


def expect(path):
    raw = open(path, "rb").read()
    text, encoding = decode(raw)
    result = {"encoding": encoding}
    try:
        m0 = hl7.parse(text)
        result["rawParse"] = {"ok": True, "segments": len(m0)}
    except Exception as e:  # noqa: BLE001 - recorded, not hidden
        result["rawParse"] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    steps = []
    if text.startswith(BOM):
        text = text[1:]
        steps.append("strip UTF-8 BOM")
    if "\n" in text:
        text = text.replace("\r\n", "\r").replace("\n", "\r")
        steps.append("CRLF/LF -> CR")
    result["normalised"] = steps
    try:
        msg = hl7.parse(text)
    except Exception as e:  # noqa: BLE001
        result["error"] = f"{type(e).__name__}: {e}"
        return result
    msh = msg.segment("MSH")
    result.update({
        "segments": [str(s[0]) for s in msg],
        "sendingApplication": hd(msh, 3),
        "sendingFacility": hd(msh, 4),
        "receivingApplication": hd(msh, 5),
        "receivingFacility": hd(msh, 6),
        "messageType": joined(msh, 9),
        "version": first(msh, 12),
        "characterSets": [r[0] for r in reps(get_field(msh, 18)) if r and r[0]],
        "profileIds": [ei(r) for r in reps(get_field(msh, 21))],
        "software": [{
            "vendorOrganization": first(s, 1), "version": first(s, 2), "productName": first(s, 3),
            "binaryId": first(s, 4), "installDate": first(s, 6),
        } for s in segments(msg, "SFT")],
        "obx18": [
            {"obx1": first(s, 1), "obx3": joined(s, 3), **ei(r)}
            for s in segments(msg, "OBX") for r in reps(get_field(s, 18))
        ],
        "prt": [{
            "prt10": [ei(r) for r in reps(get_field(s, 10))],
            "prt16": [ei(r) for r in reps(get_field(s, 16))],
            "prt20": first(s, 20),
        } for s in segments(msg, "PRT")],
        "ackCode": first(segments(msg, "MSA")[0], 1) if segments(msg, "MSA") else None,
    })
    return result


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out = {os.path.basename(p): expect(p) for p in argv}
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
