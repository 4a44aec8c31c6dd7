/**
 * What the collector refuses: upgrades without a live token (HTTP 401 with
 * a JSON reason, logged without the token), and frames that break the
 * protocol (a 'refused' message with a stable code; the connection stays
 * open and the next good message is stored).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { MAX_FRAME_MESSAGES, MAX_MESSAGE_BYTES } from '../../collector/protocol.js';
import { device, deviceMsg, refusedUpgrade, statsMsg, testCollector } from './helpers.js';

t.test('upgrade refusals', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const token = tc.enroll('ward-a');
  const revokedToken = tc.enroll('ward-b');
  tc.c.store.revoke('ward-b');

  const none = await refusedUpgrade(tc, null);
  t.equal(none.status, 401);
  t.equal(none.body.error.code, 'missing-token');
  const wrong = await refusedUpgrade(tc, 'x'.repeat(43));
  t.equal(wrong.status, 401);
  t.equal(wrong.body.error.code, 'unknown-token');
  const rev = await refusedUpgrade(tc, revokedToken);
  t.equal(rev.status, 401);
  t.equal(rev.body.error.code, 'revoked');

  const refusals = tc.logs.filter((l) => l.event === 'agent-refused');
  t.same(refusals.map((l) => l.code), ['missing-token', 'unknown-token', 'revoked']);
  t.equal(refusals[2]!.agent, 'ward-b', 'a revoked agent is named');
  const logText = JSON.stringify(tc.logs);
  t.notOk(logText.includes(revokedToken) || logText.includes('x'.repeat(43)), 'tokens never reach the log');

  // A live token works; revoking it while connected drops the connection.
  const a = await tc.connect(token);
  await a.hello();
  tc.c.store.revoke('ward-a');
  tc.c.poll();
  t.equal(await a.closed, 4001, 'closed with 4001 once revoked');
  t.equal((await refusedUpgrade(tc, token)).body.error.code, 'revoked');
});

t.test('message refusals keep the connection', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('ward-a'));

  const refusal = async (frame: unknown, code: string, seq: number | null = null) => {
    const r = a.next('refused');
    a.send(frame);
    const m = await r;
    t.equal(m.code, code, `${code}: ${m.reason}`);
    t.equal(m.seq, seq, `${code}: seq`);
    return m;
  };

  await refusal(statsMsg(1), 'not-hello', 1);
  await a.hello();
  await refusal('{"type":"device",', 'invalid-json');
  await refusal('[1,2]', 'invalid-json');
  await refusal({ type: 'telemetry', v: 1, seq: 2 }, 'unknown-type', 2);
  await refusal({ ...statsMsg(3), v: 2 }, 'version', 3);
  const schema = await refusal(deviceMsg(4, { ...device('ip:10.0.0.4'), softwareVersions: 'v1' as unknown as string[] }), 'schema', 4);
  t.match(schema.reason, /\$\.device\.softwareVersions: must be array/);
  await refusal({ ...statsMsg(5), extra: true }, 'schema', 5);
  await refusal({ ...statsMsg(6), seq: -1 }, 'schema', -1);

  // 1.5 MiB: over the protocol limit, under ws's hard cap: refused, connection kept.
  const big = deviceMsg(7, device('ip:10.0.0.7', { roles: ['x'.repeat(MAX_MESSAGE_BYTES + MAX_MESSAGE_BYTES / 2)] }));
  const tooLarge = await refusal(big, 'too-large', 7);
  t.match(tooLarge.reason, /over the 1048576-byte limit/);

  // After all that, the connection still stores and acks.
  const ack = await a.sendAcked(deviceMsg(1, device('ip:10.0.0.1')));
  t.equal(ack.seq, 1);
  t.ok(tc.c.store.device('ip:10.0.0.1'));
  t.equal(a.closeCode, null, 'still open');
  t.equal(tc.c.endpoint.counters.refusedMessages, 9);

  // Over ws's maxPayload (4 x MAX_MESSAGE_BYTES): ws closes with 1009. Documented hard cap.
  a.send(Buffer.alloc(4 * MAX_MESSAGE_BYTES + 1, 0x20).toString());
  t.equal(await a.closed, 1009, 'beyond the hard cap ws closes with 1009');
});

for (const ingestWorker of [true, false]) t.test(`a frame of several messages, one per line: each stored, acked or refused on its own (checked ${ingestWorker ? 'on the ingest worker' : 'inline'})`, async (t) => {
  const tc = await testCollector({ ingestWorker });
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('ward-f'));
  const welcome = await a.hello();
  t.equal(welcome.frameMessages, MAX_FRAME_MESSAGES, 'the welcome offers frames of several messages');

  const refused: Array<{ seq: number | null; code: string }> = [];
  const ack = a.next('ack', (m) => m.seq >= 5);
  const lines = [
    JSON.stringify(deviceMsg(1, device('ip:10.0.1.1'))),
    JSON.stringify(deviceMsg(2, device('ip:10.0.1.2'))),
    JSON.stringify({ ...statsMsg(3), extra: true }),
    '',
    '{"type":"device",',
    JSON.stringify(deviceMsg(4, device('ip:10.0.1.4'))) + '\r',
    JSON.stringify(statsMsg(5)),
  ];
  const onRefused = (m: { type: string; seq: number | null; code: string }) => m.type === 'refused' && refused.push({ seq: m.seq, code: m.code });
  a.ws.on('message', (d) => onRefused(JSON.parse(String(d))));
  a.send(lines.join('\n') + '\n');
  // seq 3 is refused for good: the agent fills its seq with stats, and then everything up to 5 is stored.
  await new Promise((r) => setTimeout(r, 300));
  t.same(refused, [{ seq: 3, code: 'schema' }, { seq: null, code: 'invalid-json' }], 'bad lines refused one by one (blank lines skipped)');
  a.send(JSON.stringify(statsMsg(3)));
  t.equal((await ack).seq, 5, 'the good lines of the frame are stored and acknowledged');
  t.same(['ip:10.0.1.1', 'ip:10.0.1.2', 'ip:10.0.1.4'].map((id) => tc.c.store.device(id)?.id), ['ip:10.0.1.1', 'ip:10.0.1.2', 'ip:10.0.1.4']);
  t.equal(tc.c.endpoint.counters.applied, 5, 'each message applied once');
  t.equal(tc.c.endpoint.counters.frames, 3, 'three frames: the hello, the seven lines, the stats sent again');
  t.equal(a.closeCode, null, 'still open');
});

t.test('the ingest worker dies: logged, and frames are checked inline from then on', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('ward-g'));
  await a.hello();
  t.equal((await a.sendAcked(deviceMsg(1, device('ip:10.0.2.1')))).seq, 1, 'stored through the worker');
  await tc.c.endpoint.ingest!.kill();
  t.equal(tc.c.endpoint.ingest!.ok, false);
  t.ok(tc.logs.some((l) => l.event === 'ingest-worker-failed'), 'logged');
  t.equal((await a.sendAcked(deviceMsg(2, device('ip:10.0.2.2')))).seq, 2, 'stored after it died');
  const refused = a.next('refused');
  a.send('{"type":');
  t.equal((await refused).code, 'invalid-json', 'refusals still answered');
  t.ok(tc.c.store.device('ip:10.0.2.2'));
});

t.test('the token is stored only as its hash', async (t) => {
  const tc = await testCollector();
  const token = tc.enroll('ward-c');
  t.match(token, /^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url');
  await tc.c.close();
  const bytes = readFileSync(tc.db);
  const wal = (() => {
    try {
      return readFileSync(`${tc.db}-wal`);
    } catch {
      return Buffer.alloc(0);
    }
  })();
  t.equal(bytes.indexOf(token), -1, 'not in the database file');
  t.equal(wal.indexOf(token), -1, 'not in the WAL');
  await tc.close();
});
