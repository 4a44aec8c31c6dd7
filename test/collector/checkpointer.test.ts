/**
 * The WAL checkpointer thread against a real collector database: it copies
 * the WAL back while the storing connection writes, restarts the WAL once it
 * is past its size, and hands checkpointing back to the storing connection
 * when it stops.
 */
import t from 'tap';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpointer } from '../../collector/checkpointer.js';
import { CollectorStore } from '../../collector/store.js';
import { device, tempDir } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('copies frames, restarts a big WAL, and gives checkpointing back on stop', async (t) => {
  const file = join(tempDir('checkpointer'), 'c.sqlite');
  const s = CollectorStore.open(file);
  t.teardown(() => s.close());
  s.enroll('a1');
  const ck = new Checkpointer(s.db, file, { intervalMs: 50, restartBytes: 256 * 1024 });
  t.equal(s.db.pragma('wal_autocheckpoint', { simple: true }), 0, 'the storing connection no longer checkpoints');

  // The worker is up once it has reported its first checkpoint (from source, loading tsx takes a while).
  for (let i = 0; i < 200 && !ck.report; i++) await sleep(25);
  t.ok(ck.report, 'the worker reports');
  let seq = 0;
  const walSizes: number[] = [];
  for (let round = 0; round < 30; round++) {
    const batch = Array.from({ length: 50 }, (_, i) => ({
      agentId: 'a1',
      msg: { type: 'device' as const, v: 1 as const, seq: ++seq, observedAt: new Date(Date.UTC(2024, 4, 1, 0, round)).toISOString(), device: device(`ip:10.1.0.${i}`, { model: `M-${round}`, roles: ['x'.repeat(2000)] }) },
    }));
    s.applyBatch(batch);
    walSizes.push(statSync(`${file}-wal`).size);
    await sleep(20);
  }
  await sleep(150);
  const r = ck.report!;
  t.ok(r.checkpoints > 3, `checkpoints ran (${r.checkpoints})`);
  t.ok(r.framesCopied > 0, `frames copied (${r.framesCopied})`);
  t.ok(r.restarts > 0, `the WAL was restarted (${r.restarts})`);
  t.equal(r.error, null);
  // Without checkpoints the 30 batches leave a WAL of about 7.5 MB.
  t.ok(Math.max(...walSizes) < 3 * 1024 * 1024, `the WAL stays bounded (max ${Math.max(...walSizes)} bytes)`);
  t.equal(s.device('ip:10.1.0.7')!.model, 'M-29', 'what was written reads back');

  await ck.stop();
  t.equal(s.db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'the storing connection checkpoints for itself again');
});
