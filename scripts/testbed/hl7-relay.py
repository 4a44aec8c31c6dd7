#!/usr/bin/python3
"""MLLP receiver for the auscult testbed, built on python-hl7's asyncio MLLP
server (hl7.mllp.start_hl7_server).

Two modes:

* ``ack``: stands in for an EHR / interface engine inbound port. Every MLLP
  block received is acknowledged with an ``ACK`` (MSA-1 ``AA``), whatever is in
  it, and logged (one JSON line per block: peer, length, sha256, MSH-10).
* ``forward``: an interface engine. Every block is ACKed to its sender, then
  forwarded byte for byte to ``--to HOST:PORT`` over one outbound MLLP
  connection (python-hl7's open_hl7_connection), waiting for the downstream
  ACK before the next one.

The ACK is built from the raw bytes here (not with hl7.parse), so a message
that python-hl7 cannot parse (LF terminators, a BOM, ISO 8859-1) is still
acknowledged. The log never holds message contents, only digests.

Usage:
  hl7-relay.py ack --port 2575 --log recv.jsonl [--app EHR --facility HOSP]
  hl7-relay.py forward --port 2575 --to 192.0.2.60:2575 --log relay.jsonl
"""
import argparse
import asyncio
import hashlib
import json
import sys
import time

import hl7.mllp

BOM = b"\xef\xbb\xbf"


def msh_fields(block: bytes):
    """Fields of the MSH segment (index 1 = MSH-1), or None when absent."""
    data = block[3:] if block.startswith(BOM) else block
    if not data.startswith(b"MSH") or len(data) < 8:
        return None
    end = len(data)
    for term in (b"\r", b"\n"):
        i = data.find(term)
        if i != -1:
            end = min(end, i)
    seg = data[:end]
    sep = seg[3:4]
    parts = seg.split(sep)
    # parts[0] = 'MSH', parts[1] = MSH-2 (encoding characters); MSH-1 is the separator itself
    return [b"MSH", sep] + parts[1:]


def field(fields, n: int) -> bytes:
    return fields[n] if fields is not None and n < len(fields) else b""


def build_ack(block: bytes, app: bytes, facility: bytes) -> bytes:
    f = msh_fields(block)
    sep = field(f, 1) or b"|"
    enc = field(f, 2) or b"^~\\&"
    comp = enc[0:1] or b"^"
    trigger = field(f, 9).split(comp)[1:2]
    msg_type = b"ACK" + (comp + trigger[0] if trigger and trigger[0] else b"")
    control = field(f, 10)
    version = (field(f, 12).split(comp)[0]) or b"2.5"
    now = time.strftime("%Y%m%d%H%M%S").encode()
    msh = sep.join([
        b"MSH", enc, app, facility, field(f, 3), field(f, 4), now, b"",
        msg_type, b"ACK" + control[-17:], b"P", version,
    ])
    msa = sep.join([b"MSA", b"AA", control])
    return msh + b"\r" + msa + b"\r"


class Log:
    def __init__(self, path):
        self.fh = open(path, "a", buffering=1) if path else None

    def write(self, **record):
        if self.fh:
            self.fh.write(json.dumps(record, sort_keys=True) + "\n")


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["ack", "forward"])
    ap.add_argument("--port", type=int, default=2575)
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--app", default="EHR")
    ap.add_argument("--facility", default="GENERAL_HOSPITAL")
    ap.add_argument("--to", help="forward mode: downstream HOST:PORT")
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.mode == "forward" and not args.to:
        ap.error("forward needs --to HOST:PORT")
    log = Log(args.log)
    app, facility = args.app.encode(), args.facility.encode()
    downstream = {"conn": None}
    lock = asyncio.Lock()

    async def forward(block: bytes) -> bytes:
        async with lock:
            if downstream["conn"] is None:
                host, port = args.to.rsplit(":", 1)
                downstream["conn"] = await hl7.mllp.open_hl7_connection(host, int(port))
            reader, writer = downstream["conn"]
            writer.writeblock(block)
            await writer.drain()
            return await reader.readblock()

    async def on_client(reader, writer):
        peer = writer.get_extra_info("peername")
        peer_s = f"{peer[0]}:{peer[1]}" if peer else "?"
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError as e:
                    if e.partial.strip():
                        log.write(event="incomplete", peer=peer_s, length=len(e.partial))
                    break
                except hl7.mllp.InvalidBlockError:
                    log.write(event="invalid-block", peer=peer_s)
                    break
                ctrl = field(msh_fields(block), 10).decode("latin1")
                log.write(event="received", peer=peer_s, length=len(block),
                          sha256=hashlib.sha256(block).hexdigest(), control_id=ctrl)
                writer.writeblock(build_ack(block, app, facility))
                await writer.drain()
                if args.mode == "forward":
                    ack = await forward(block)
                    f = msh_fields(ack)
                    log.write(event="forwarded", to=args.to, control_id=ctrl,
                              downstream_ack=field(f, 9).decode("latin1"))
        finally:
            writer.close()

    server = await hl7.mllp.start_hl7_server(on_client, args.host, args.port, limit=1 << 20)
    print(f"listening on {args.host}:{args.port} ({args.mode})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    if downstream["conn"] is not None:
        downstream["conn"][1].close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
