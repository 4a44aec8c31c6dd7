/**
 * Fuzz properties (time-boxed): random bytes, random option areas behind a
 * valid header, and mutated real packets never make the DHCP code throw,
 * every option it returns lies inside the payload, and events hold only
 * plain values.
 */
import t from 'tap';
import fc from 'fast-check';
import { readPcap } from '../../scripts/lib/pcap-file.js';
import { decodeFrame } from '../../protocols/link/decode.js';
import { dhcpEventFromPacket, dhcpProbe, parseDhcp, parseDhcpMessage, DHCP_MAX_OPTIONS, type DhcpEvent } from '../../protocols/dhcp/index.js';
import { header, COOKIE } from './builder.js';
import { dhcpCaptures } from './tshark-fields.js';

const TIME_MS = 2500;

function check(payload: Buffer): boolean {
  const events: DhcpEvent[] = dhcpEventFromPacket({ ts: 1, srcIp: '0.0.0.0', dstIp: '255.255.255.255', srcMac: null, payload });
  for (const e of events) {
    for (const v of Object.values(e)) {
      if (!(v === null || typeof v === 'string' || typeof v === 'number')) return false;
    }
  }
  dhcpProbe(payload);
  const full = parseDhcp(payload);
  const r = parseDhcpMessage(payload);
  if (r === null) return events.length === 0;
  if (r.value.options.length > DHCP_MAX_OPTIONS) return false;
  for (const o of r.value.options) {
    if (o.data.buffer !== payload.buffer) return false;
    const start = o.data.byteOffset - payload.byteOffset;
    if (start < 0 || start + o.data.length > payload.length) return false;
  }
  // One message event, then one anomaly per issue (grammar and option shapes).
  return full !== null && events.length === 1 + full.issues.length && events[0]!.type === 'dhcp.message';
}

// Real DHCP payloads to mutate.
const seeds: Buffer[] = [];
for (const pcap of dhcpCaptures()) {
  const f = readPcap(pcap);
  for (const rec of f.records) {
    const r = decodeFrame(f.linkType, rec.frame, 0);
    if (r.ok && r.packet.ipProto === 17 && r.packet.payload.length >= 240) seeds.push(Buffer.from(r.packet.payload));
  }
}

t.ok(seeds.length >= 10, `${seeds.length} real payloads to mutate`);

t.test('random bytes never throw', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
      runs++;
      return check(Buffer.from(bytes));
    }),
    { numRuns: 3000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100, `${runs} runs`);
});

t.test('random option areas behind a valid header and cookie', async (t) => {
  let runs = 0;
  let overloaded = 0;
  const area = fc.uint8Array({ maxLength: 600 });
  const tail = fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 30 });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 128, maxLength: 128 }), area, tail, (op, sname, file, raw, tlvs) => {
      runs++;
      // Half the time announce an overload so file/sname are walked too.
      const ov = runs % 2 === 0 ? Buffer.from([52, 1, (runs % 3) + 1]) : Buffer.alloc(0);
      if (ov.length > 0) overloaded++;
      const opts = tlvs.map(([c, v]) => Buffer.concat([Buffer.from([c, v.length]), Buffer.from(v)]));
      const payload = Buffer.concat([
        header({ op, sname: Buffer.from(sname), file: Buffer.from(file) }), COOKIE, ov, ...opts, Buffer.from(raw),
      ]);
      return parseDhcpMessage(payload) !== null && check(payload);
    }),
    { numRuns: 2000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100 && overloaded > 10, `${runs} runs, ${overloaded} with overload`);
});

t.test('mutated and truncated real packets never throw', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat()),
      (which, flips, cut) => {
        runs++;
        const p = Buffer.from(seeds[which % seeds.length]!);
        // Mutations aimed past the cookie hit option lengths and codes.
        for (const [pos, val] of flips) p[240 + (pos % Math.max(1, p.length - 240))] = val;
        const payload = cut === null ? p : p.subarray(0, cut % (p.length + 1));
        return check(payload);
      },
    ),
    { numRuns: 3000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100, `${runs} runs`);
});
