import t from 'tap';
import fc from 'fast-check';
import { ChunkQueue } from '../../protocols/common/chunk-queue.js';

// A model of the queue as one array of bytes; every read of the queue must match it.
const op = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('skip' as const), n: fc.nat(60) }),
  fc.record({ kind: fc.constant('peek' as const), n: fc.nat(60) }),
  fc.record({ kind: fc.constant('take' as const), n: fc.nat(60) }),
  fc.record({ kind: fc.constant('consume' as const), n: fc.nat(60) }),
  fc.record({ kind: fc.constant('retain' as const) }),
);

t.test('reads, skips and in-place access agree with a flat model, whatever the chunking', async (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const q = new ChunkQueue();
      let model: number[] = [];
      for (const o of ops) {
        switch (o.kind) {
          case 'push': {
            // the pushed chunk is the caller's: scribbled over after retain() to prove it was copied
            const chunk = Buffer.from(o.bytes);
            q.push(chunk);
            model.push(...o.bytes);
            q.retain();
            chunk.fill(0xee);
            break;
          }
          case 'skip':
            q.skip(o.n);
            model = model.slice(Math.min(o.n, model.length));
            break;
          case 'peek': {
            const got = [...q.peek(o.n)];
            if (got.join() !== model.slice(0, Math.min(o.n, model.length)).join()) return false;
            break;
          }
          case 'consume': {
            const n = Math.min(o.n, model.length);
            if ([...q.consume(n)].join() !== model.slice(0, n).join()) return false;
            model = model.slice(n);
            break;
          }
          case 'take': {
            const got = [...q.take(o.n)];
            if (o.n > 0 && model.length > 0 && got.length === 0) return false;
            if (got.join() !== model.slice(0, got.length).join()) return false;
            model = model.slice(got.length);
            break;
          }
          case 'retain':
            q.retain();
            break;
        }
        if (q.length !== model.length) return false;
        if ([...q.first()].join() !== model.slice(0, q.first().length).join()) return false;
        const head = q.headChunk();
        const inPlace = [...head.subarray(q.headOffset)];
        if (inPlace.length !== q.first().length || inPlace.join() !== [...q.first()].join()) return false;
        for (let n = 0; n <= 8; n++) if (q.contiguous(n) !== (q.first().length >= n && q.length > 0)) return false;
      }
      return true;
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
