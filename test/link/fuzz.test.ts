import t from 'tap';
import fc from 'fast-check';
import { decodeFrame } from '../../protocols/link/decode.js';

const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276, 127];

t.test('random bytes never throw, for every link type', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 200 }), (lt, bytes) => {
      const r = decodeFrame(lt, Buffer.from(bytes), 0);
      if (r.ok) {
        // Whatever decodes must stay inside the frame.
        const p = r.packet;
        return p.payload.byteOffset >= 0 && p.payload.length <= bytes.length;
      }
      return typeof r.detail === 'string';
    }),
    { numRuns: 20000, interruptAfterTimeLimit: 2000 },
  );
  t.pass('no throw');
});

// Valid-looking prefixes reach the deeper layers more often than pure noise.
t.test('mutated Ethernet/IPv4/IPv6 frames never throw', async (t) => {
  const eth4 = Buffer.from('0102030405060a0b0c0d0e0f0800450000340000400040060000c0a8010a0a000068c35000680000000100000002801800ff00000000', 'hex');
  const eth6 = Buffer.from('0102030405060a0b0c0d0e0f86dd60000000001000400000000000000000000000000000000100000000000000000000000000000002', 'hex');
  fc.assert(
    fc.property(
      fc.constantFrom(eth4, eth6),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(120),
      (base, edits, cut) => {
        const f = Buffer.from(base);
        for (const [i, v] of edits) f[i % f.length] = v;
        decodeFrame(1, f.subarray(0, Math.min(cut, f.length)), 0);
        decodeFrame(1, f, 0);
        return true;
      },
    ),
    { numRuns: 20000, interruptAfterTimeLimit: 2000 },
  );
  t.pass('no throw');
});
