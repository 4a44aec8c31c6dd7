import t from 'tap';
import fc from 'fast-check';
import { INTERN_MAX_BYTES, internLatin1 } from '../../protocols/common/intern.js';

t.test('reads as latin1 whatever the bytes, shared for equal bytes', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(20), (bytes, pad) => {
      const b = Buffer.concat([Buffer.alloc(pad, 0x41), Buffer.from(bytes), Buffer.alloc(3, 0x42)]);
      const s = internLatin1(b, pad, pad + bytes.length);
      return s === Buffer.from(bytes).toString('latin1');
    }),
    { numRuns: 2000 },
  );
  const a = internLatin1(Buffer.from('xxMODALITY_1yy'), 2, 12);
  const b = internLatin1(Buffer.from('MODALITY_1'), 0, 10);
  t.equal(a, 'MODALITY_1');
  t.equal(a, b);
});

t.test('distinct values that meet in one slot are both read right', async (t) => {
  // more values than slots: collisions are certain
  let wrong = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 20_000; i++) {
      const text = `AE${i}`;
      if (internLatin1(Buffer.from(text), 0, text.length) !== text) wrong++;
    }
  }
  t.equal(wrong, 0);
  const long = 'U'.repeat(INTERN_MAX_BYTES + 1);
  t.equal(internLatin1(Buffer.from(long), 0, long.length), long);
  t.equal(internLatin1(Buffer.alloc(0), 0, 0), '');
});
