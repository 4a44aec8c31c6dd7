/**
 * The uplink client against a real `ws` server over TLS on 127.0.0.1 that
 * speaks collector/protocol.ts: hello, resend after a reconnect, acks delete,
 * the window, refusals, backoff bounds, 401 handling, CA pinning.
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backoff } from '../../agent/uplink/backoff.js';
import { UplinkClient, type UplinkClientOptions } from '../../agent/uplink/client.js';
import { Outbox, type OutgoingMessage } from '../../agent/uplink/outbox.js';
import type { Finding } from '../../rules/types.js';
import { FakeCollector, makeCert } from './fake-collector.js';

const tmp = mkdtempSync(join(tmpdir(), 'auscult-client-'));
const { cert, key } = makeCert(tmp);
const otherDir = mkdtempSync(join(tmpdir(), 'auscult-client-other-'));
const other = makeCert(otherDir);
const CA = readFileSync(cert, 'utf8');
let n = 0;

const stats = (i: number): OutgoingMessage => ({ type: 'stats', v: 1, at: new Date().toISOString(), stats: { packets: i } as never });
const finding = (id: string): OutgoingMessage => ({ type: 'finding', v: 1, finding: { id, deviceId: 'ip:1' } as Finding });
const filler = () => stats(0) as OutgoingMessage & { type: 'stats' };

function setup(t: { teardown: (fn: () => unknown) => void }, collectorOpts: Partial<ConstructorParameters<typeof FakeCollector>[0]> = {}, clientOpts: Partial<UplinkClientOptions> = {}) {
  const fc = new FakeCollector({ cert, key, token: 'tok-1', ...collectorOpts });
  const outbox = Outbox.open(join(tmp, `outbox-${n++}.sqlite`));
  const logs: string[] = [];
  let token = 'tok-1';
  let client: UplinkClient | null = null;
  const make = (): UplinkClient =>
    (client = new UplinkClient({
      url: fc.url,
      token: () => token,
      ca: CA,
      outbox,
      hello: () => ({ type: 'hello', v: 1, agentId: 'test-agent', agentVersion: '0', kbVersion: 'none', hostname: 'h', source: 'test' }),
      backoff: { baseMs: 50, capMs: 400 },
      log: (l) => logs.push(l),
      fillerStats: filler,
      ...clientOpts,
    }));
  t.teardown(async () => {
    await client?.stop();
    outbox.close();
    await fc.close();
  });
  return { fc, outbox, logs, make, setToken: (v: string) => (token = v) };
}

t.test('hello, then the outbox in seq order; acks delete rows', async (t) => {
  const { fc, outbox, make } = setup(t);
  await fc.listen();
  outbox.enqueue(stats(1));
  outbox.enqueue(finding('a'));
  outbox.enqueue(stats(2));
  const c = make();
  c.start();
  await fc.waitFor(() => outbox.depth === 0, 5000, 'all acked');
  t.equal(fc.hellos.length, 1);
  t.match(fc.hellos[0], { type: 'hello', v: 1, agentId: 'test-agent', lastSeq: 0 });
  t.same(fc.received.map((m) => ('seq' in m ? m.seq : -1)), [1, 2, 3]);
  t.same(fc.received.map((m) => m.type), ['stats', 'finding', 'stats']);
  t.equal(c.counters.acked, 3);
  outbox.enqueue(finding('b'));
  c.notify();
  await fc.waitFor(() => fc.stored.has(4) && outbox.depth === 0, 5000, 'a new message sent at once');
  t.ok(await c.drain(100));
});

t.test('several messages to a frame when the welcome offers it; never more than offered, never over the size limit', async (t) => {
  const { fc, outbox, make } = setup(t, { frameMessages: 8 });
  await fc.listen();
  for (let i = 1; i <= 20; i++) outbox.enqueue(stats(i));
  const c = make();
  c.start();
  await fc.waitFor(() => outbox.depth === 0, 5000, 'all acked');
  t.same(fc.received.map((m) => ('seq' in m ? m.seq : -1)), Array.from({ length: 20 }, (_, i) => i + 1), 'every message once, in seq order');
  t.ok(fc.frames.every((f) => f.messages <= 8), `at most 8 per frame (${fc.frames.map((f) => f.messages).join(',')})`);
  t.ok(fc.frames.some((f) => f.messages > 1), 'frames carry several messages');
  t.equal(c.counters.sent, 20);

  // Three findings of ~400 KB: two fit in one frame under MAX_MESSAGE_BYTES (1 MiB), the third goes alone.
  fc.frames.length = 0;
  for (const id of ['x', 'y', 'z']) outbox.enqueue(finding(id.repeat(400 * 1024)));
  c.notify();
  await fc.waitFor(() => outbox.depth === 0, 5000, 'big ones acked');
  t.same(fc.frames.map((f) => f.messages), [2, 1], 'split by size');
  t.ok(fc.frames.every((f) => f.bytes <= 1024 * 1024));
});

t.test('one message per frame when the welcome does not offer more', async (t) => {
  const { fc, outbox, make } = setup(t);
  await fc.listen();
  for (let i = 1; i <= 10; i++) outbox.enqueue(stats(i));
  make().start();
  await fc.waitFor(() => outbox.depth === 0, 5000, 'all acked');
  t.same(fc.frames.map((f) => f.messages), Array(10).fill(1));
});

t.test('a reconnect resends everything unacked (same seqs) and nothing acked', async (t) => {
  const { fc, outbox, make } = setup(t);
  await fc.listen();
  for (let i = 1; i <= 3; i++) outbox.enqueue(stats(i));
  const c = make();
  c.start();
  await fc.waitFor(() => outbox.depth === 0, 5000, 'first three acked');
  fc.autoAck = false;
  for (let i = 4; i <= 8; i++) outbox.enqueue(finding(`f${i}`));
  c.notify();
  await fc.waitFor(() => fc.received.length === 8, 5000, 'five more received, not acked');
  fc.autoAck = true;
  fc.dropAll();
  await fc.waitFor(() => fc.hellos.length === 2 && outbox.depth === 0, 5000, 'reconnected and all acked');
  const after = fc.received.slice(8).map((m) => ('seq' in m ? m.seq : -1));
  t.same(after, [4, 5, 6, 7, 8], 'the unacked five again, in seq order, with their seqs');
  t.equal(fc.duplicatesAfterAck.length, 0, 'nothing acked was sent again');
  t.equal(c.counters.resent, 5);
  t.equal(fc.hellos[1].type === 'hello' && fc.hellos[1].lastSeq, 8, 'hello carries the highest seq assigned');
});

t.test('welcome.ackedSeq deletes what the collector already stored', async (t) => {
  const { fc, outbox, make } = setup(t, { autoAck: false });
  await fc.listen();
  for (let i = 1; i <= 4; i++) outbox.enqueue(stats(i));
  const c = make();
  c.start();
  await fc.waitFor(() => fc.received.length === 4, 5000, 'four received');
  // The collector stored them but the acks were lost with the connection.
  fc.ackedSeq = 4;
  fc.dropAll();
  await fc.waitFor(() => fc.hellos.length === 2, 5000, 'second hello');
  await fc.waitFor(() => outbox.depth === 0, 5000, 'welcome emptied the outbox');
  t.equal(fc.received.length, 4, 'nothing resent');
  t.equal(c.counters.resent, 0);
});

t.test('at most `window` messages unacknowledged', async (t) => {
  const { fc, outbox, make } = setup(t, { autoAck: false }, { window: 10 });
  await fc.listen();
  for (let i = 1; i <= 50; i++) outbox.enqueue(stats(i));
  const c = make();
  c.start();
  await fc.waitFor(() => fc.received.length === 10, 5000, 'ten received');
  await new Promise((r) => setTimeout(r, 150));
  t.equal(fc.received.length, 10, 'the window holds');
  const ws = [...fc.clients][0];
  fc.ack(ws, 10);
  await fc.waitFor(() => fc.received.length === 20, 5000, 'ten more after the ack');
  fc.autoAck = true;
  fc.ack(ws, 20);
  await fc.waitFor(() => outbox.depth === 0, 5000, 'all delivered');
  t.equal(c.counters.sent, 50);
});

t.test('a final refusal: a stats message takes the seq (no hole), the row is gone; a transient one is kept', async (t) => {
  const { fc, outbox, make, logs } = setup(t, { refuse: (m) => (m.type === 'finding' && m.finding.id === 'bad' ? 'schema' : null) });
  await fc.listen();
  outbox.enqueue(finding('ok1'));
  outbox.enqueue(finding('bad'));
  outbox.enqueue(finding('ok2'));
  const c = make();
  c.start();
  // The fake acks each seq it stores (not contiguously), so the outbox can empty while the
  // filler for seq 2 is still on its way: wait for both.
  await fc.waitFor(() => outbox.depth === 0 && fc.stored.has(2), 5000, 'outbox empty and seq 2 stored');
  const s2 = fc.stored.get(2);
  t.equal(s2?.type, 'stats', 'seq 2 was filled by a stats message');
  t.equal(fc.stored.get(3)?.type, 'finding');
  t.equal(outbox.counters.refusedDropped, 1);
  t.match(logs.join('\n'), /refused seq 2 \(schema\)/);
  t.equal(c.counters.refused, 1);
});

t.test('backoff: full jitter within [0, min(cap, base*2^n)), reset to base', async (t) => {
  const hi = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999999 });
  const ceilings = Array.from({ length: 10 }, () => hi.next());
  t.same(ceilings, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
  hi.reset();
  t.equal(hi.next(), 499);
  const lo = new Backoff({ random: () => 0 });
  t.equal(lo.next(), 0);
  const real = new Backoff();
  for (let i = 0; i < 200; i++) {
    const ceiling = real.ceilingMs;
    const d = real.next();
    if (d < 0 || d >= ceiling) t.fail(`delay ${d} outside [0, ${ceiling})`);
  }
  t.pass('200 random delays within their ceilings');
});

t.test('reconnect attempts against a server that drops every connection follow the backoff bounds', async (t) => {
  const attempts: number[] = [];
  const srv = createServer((sock) => {
    attempts.push(performance.now());
    sock.destroy();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const outbox = Outbox.open(join(tmp, `outbox-${n++}.sqlite`));
  const logs: string[] = [];
  const c = new UplinkClient({
    url: `wss://127.0.0.1:${(srv.address() as { port: number }).port}`,
    token: () => 'x',
    ca: CA,
    outbox,
    hello: () => ({ type: 'hello', v: 1, agentId: 'a', agentVersion: '0', kbVersion: 'none', hostname: 'h', source: 's' }),
    backoff: { baseMs: 100, capMs: 400 },
    log: (l) => logs.push(l),
    fillerStats: filler,
  });
  c.start();
  await new Promise((r) => setTimeout(r, 2500));
  await c.stop();
  outbox.close();
  const gaps = attempts.slice(1).map((a, i) => a - attempts[i]);
  t.ok(attempts.length >= 5, `${attempts.length} attempts in 2.5 s (ceilings 100, 200, 400, 400, ...)`);
  const ceilings = gaps.map((_, i) => Math.min(400, 100 * 2 ** i));
  gaps.forEach((g, i) => t.ok(g <= ceilings[i] + 150, `gap ${i}: ${g.toFixed(0)} ms <= ceiling ${ceilings[i]} ms + 150 ms slack`));
  const later = gaps.slice(2);
  const mean = later.reduce((a, b) => a + b, 0) / later.length;
  t.ok(mean >= 60 && mean <= 400, `mean gap at the cap ${mean.toFixed(0)} ms (expected ~200: uniform in [0, 400))`);
  t.match(logs[0], /reconnecting in \d+\.\d s/);
});

t.test('401 on the upgrade: said clearly, retried with backoff, recovers once the token is fixed', async (t) => {
  const { fc, outbox, make, logs, setToken } = setup(t);
  await fc.listen();
  setToken('wrong');
  outbox.enqueue(stats(1));
  const c = make();
  c.start();
  await fc.waitFor(() => c.counters.unauthorized >= 3, 5000, 'three 401s');
  t.ok(fc.upgrades.every((u) => u.status === 401));
  t.match(logs.join('\n'), /refused the agent token \(HTTP 401\).*re-enroll/);
  t.equal(outbox.depth, 1, 'nothing lost meanwhile');
  setToken('tok-1');
  await fc.waitFor(() => outbox.depth === 0, 5000, 'delivered after the token was fixed');
  t.equal(fc.hellos.length, 1);
});

t.test('a collector certificate other than the pinned one is refused', async (t) => {
  const { fc, outbox, make, logs } = setup(t, { cert: other.cert, key: other.key });
  await fc.listen();
  outbox.enqueue(stats(1));
  const c = make();
  c.start();
  await new Promise((r) => setTimeout(r, 400));
  t.equal(fc.hellos.length, 0, 'no session');
  t.equal(outbox.depth, 1);
  t.match(logs.join('\n'), /self[- ]signed|certificate/i);
  await c.stop();
});

t.test('the collector URL must be wss', async (t) => {
  const outbox = Outbox.open(join(tmp, `outbox-${n++}.sqlite`));
  t.throws(() => new UplinkClient({ url: 'ws://127.0.0.1:1', token: () => 'x', outbox, hello: () => ({}) as never, fillerStats: filler }));
  outbox.close();
});
