/**
 * The session around the probes, in virtual time: rate limiter, schedule and
 * window, audit log lines (append-only, one per probe, refusals too), the
 * life-critical cap applied per host, stop, and the errors a user sees
 * (nmap missing, audit log unwritable). probeHost is replaced by a recorder:
 * nothing here touches a network.
 */
import t from 'tap';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
process.env.TZ = 'UTC';
import { ActiveChecks, nmapVersion } from '../../agent/active/active-checks.js';
import { AuditLog, resolveOperator, type AuditRecord } from '../../agent/active/audit-log.js';
import type { IpAddress } from '../../agent/active/cidr.js';
import type { ProbeResult } from '../../agent/active/probe.js';
import type { ProfileName } from '../../agent/active/profiles.js';
import { RateLimiter, type Clock } from '../../agent/active/rate-limiter.js';
import { inWindow, nextRunAt, nextWindowStart, parseDuration, parseWindow } from '../../agent/active/schedule.js';

const tmp = mkdtempSync(join(tmpdir(), 'auscult-active-'));
const T0 = Date.UTC(2026, 0, 5, 0, 30); // 00:30 UTC

/**
 * Virtual clock: sleepers are woken in deadline order, and time jumps to the
 * next deadline only once every task is blocked (a setImmediate after the
 * microtasks drain), so concurrent workers see a consistent time.
 */
function fakeClock(start = T0): Clock & { t: number } {
  const timers: Array<{ at: number; resolve: () => void }> = [];
  let pumping = false;
  const pump = (): void => {
    pumping = false;
    if (timers.length === 0) return;
    timers.sort((a, b) => a.at - b.at);
    c.t = Math.max(c.t, timers[0].at);
    const due = timers.filter((x) => x.at <= c.t);
    timers.splice(0, due.length);
    for (const x of due) x.resolve();
    if (timers.length > 0 && !pumping) {
      pumping = true;
      setImmediate(pump);
    }
  };
  const c = {
    t: start,
    now: () => c.t,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = { at: c.t + Math.max(0, ms), resolve };
        timers.push(timer);
        signal?.addEventListener('abort', () => {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
          resolve();
        }, { once: true });
        if (!pumping) {
          pumping = true;
          setImmediate(pump);
        }
      }),
  };
  return c;
}

function fakeProbe(clock: Clock & { t: number }, calls: Array<{ ip: string; profile: ProfileName; at: number }>, durationMs = 2000) {
  return async (ip: IpAddress, profile: ProfileName, opts: { session: string }): Promise<ProbeResult> => {
    const startedAt = new Date(clock.t).toISOString();
    calls.push({ ip: ip.text, profile, at: clock.t });
    await clock.sleep(durationMs);
    return {
      session: opts.session, target: ip.text, profile, portsChecked: [104], status: 'up', ports: [], openPorts: [104], dicom: [{ port: 104, calledAeCheck: 'enabled' }],
      argv: [['-n', ip.text]], startedAt, finishedAt: new Date(clock.t).toISOString(), durationMs, error: null,
    };
  };
}

const lines = (p: string): AuditRecord[] => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);

t.test('rate limiter: starts spaced 60/rate seconds, no burst', async (t) => {
  const clock = fakeClock();
  const rl = new RateLimiter(4, clock); // one start every 15 s
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    await rl.acquire();
    starts.push(clock.t - T0);
    await clock.sleep(1000); // a probe that takes 1 s
  }
  t.same(starts, [0, 15_000, 30_000, 45_000, 60_000]);
  const ac = new AbortController();
  ac.abort();
  t.equal(await rl.acquire(ac.signal), false, 'an aborted wait takes no slot');
  t.throws(() => new RateLimiter(0));
});

t.test('schedule: durations, windows (also across midnight), next run', async (t) => {
  t.equal(parseDuration('24h'), 86_400_000);
  t.equal(parseDuration('15m'), 900_000);
  t.equal(parseDuration('7d'), 7 * 86_400_000);
  t.equal(parseDuration('30s'), null, 'under a minute refused');
  t.equal(parseDuration('1w'), null);
  const w = parseWindow('01:00-05:00')!;
  t.same(w, { startMin: 60, endMin: 300, text: '01:00-05:00' });
  t.notOk(inWindow(w, T0), '00:30 is outside');
  t.equal(nextWindowStart(w, T0), Date.UTC(2026, 0, 5, 1, 0));
  t.ok(inWindow(w, Date.UTC(2026, 0, 5, 4, 59)));
  t.notOk(inWindow(w, Date.UTC(2026, 0, 5, 5, 0)), 'the end is exclusive');
  t.equal(nextWindowStart(w, Date.UTC(2026, 0, 5, 6, 0)), Date.UTC(2026, 0, 6, 1, 0), 'after the window: tomorrow');
  const night = parseWindow('22:00-04:00')!;
  t.ok(inWindow(night, Date.UTC(2026, 0, 5, 23, 0)));
  t.ok(inWindow(night, T0));
  t.notOk(inWindow(night, Date.UTC(2026, 0, 5, 12, 0)));
  t.equal(parseWindow('25:00-01:00'), null);
  t.equal(parseWindow('01:00-01:00'), null);
  const s = { everyMs: 86_400_000, window: w };
  t.equal(nextRunAt(s, T0, null), Date.UTC(2026, 0, 5, 1, 0), 'first run waits for the window');
  t.equal(nextRunAt(s, Date.UTC(2026, 0, 5, 2, 0), Date.UTC(2026, 0, 5, 1, 0)), Date.UTC(2026, 0, 6, 1, 0), 'then every 24 h');
  t.equal(nextRunAt({ everyMs: 3_600_000, window: null }, T0, T0 - 600_000), T0 + 3_000_000);
});

t.test('audit log: appended, one JSON line per record, never rewritten', async (t) => {
  const p = join(tmp, 'audit-append.jsonl');
  writeFileSync(p, '{"event":"earlier"}\n');
  const a = AuditLog.open(p);
  a.write({ event: 'refused', session: 's', at: 'x', operator: 'op', target: '192.0.2.1', reason: 'denied', detail: 'd' });
  a.close();
  const b = AuditLog.open(p);
  b.write({ event: 'refused', session: 's2', at: 'y', operator: 'op', target: '192.0.2.2', reason: 'denied', detail: 'd' });
  b.close();
  const text = readFileSync(p, 'utf8');
  t.ok(text.startsWith('{"event":"earlier"}\n'), 'earlier content kept');
  t.equal(text.split('\n').filter(Boolean).length, 3);
  t.throws(() => b.write({ event: 'refused', session: 's', at: 'x', operator: 'op', target: 't', reason: 'r', detail: 'd' }), { code: 'AUSCULT_ERR_AUDIT_LOG' });
  t.throws(() => AuditLog.open(join(p, 'under-a-file.jsonl')), { code: 'AUSCULT_ERR_AUDIT_LOG' });
  t.equal(resolveOperator(' alice '), 'alice');
  const saved = { SUDO_USER: process.env.SUDO_USER, USER: process.env.USER };
  process.env.SUDO_USER = 'bob';
  t.equal(resolveOperator(), 'bob', 'sudo user before the login user');
  delete process.env.SUDO_USER;
  process.env.USER = 'carol';
  t.equal(resolveOperator(), 'carol');
  Object.assign(process.env, saved);
  if (saved.SUDO_USER === undefined) delete process.env.SUDO_USER;
});

t.test('session: refusals audited, targets rate-limited, life-critical capped, one audit line per probe', async (t) => {
  const clock = fakeClock(Date.UTC(2026, 0, 5, 12, 0));
  const calls: Array<{ ip: string; profile: ProfileName; at: number }> = [];
  const audit = join(tmp, 'session.jsonl');
  const checks = ActiveChecks.create({
    allow: ['192.0.2.0/24'], deny: ['192.0.2.20'], profile: 'extended', hostsPerMinute: 2, operator: 'alice', via: 'scan', auditPath: audit,
    clock, probe: fakeProbe(clock, calls) as never,
  });
  const summary = await checks.runOnce([
    { ip: '192.0.2.10', deviceClass: 'ct-scanner' },
    { ip: '192.0.2.11', deviceClass: 'infusion-pump' },
    { ip: '192.0.2.12', deviceClass: null },
    { ip: '192.0.2.20', deviceClass: 'ct-scanner' },
    { ip: '198.51.100.9', deviceClass: null },
  ]);
  checks.close();
  t.same(calls.map((c) => [c.ip, c.profile, c.at - Date.UTC(2026, 0, 5, 12, 0)]), [
    ['192.0.2.10', 'extended', 0],
    ['192.0.2.11', 'safe', 30_000],
    ['192.0.2.12', 'safe', 60_000],
  ], 'two hosts a minute, one at a time; the pump and the unknown host capped at safe');
  t.equal(summary.refused, 2);
  const log = lines(audit);
  t.same(log.map((l) => l.event), ['session-start', 'refused', 'refused', 'probe', 'probe', 'probe', 'session-end']);
  const start = log[0] as Extract<AuditRecord, { event: 'session-start' }>;
  t.match(start, { operator: 'alice', via: 'scan', allow: ['192.0.2.0/24'], deny: ['192.0.2.20/32'], profile: 'extended', hostsPerMinute: 2, concurrency: 1 });
  t.match(log[1], { target: '192.0.2.20', reason: 'denied' });
  t.match(log[2], { target: '198.51.100.9', reason: 'not-allowed' });
  const pump = log[4] as Extract<AuditRecord, { event: 'probe' }>;
  t.match(pump, { operator: 'alice', target: '192.0.2.11', deviceClass: 'infusion-pump', requestedProfile: 'extended', profile: 'safe', cappedBecause: /life-critical/ });
  t.match(pump.result, { status: 'up', openPorts: [104], dicom: [{ port: 104, calledAeCheck: 'enabled' }], error: null });
  t.ok(pump.startedAt < pump.finishedAt && pump.durationMs === 2000);
  t.same(pump.argv, [['nmap', '-n', '192.0.2.11']]);
  t.match(log[6], { event: 'session-end', probes: 3, errors: 0, stopped: false });
});

t.test('session: inventory-wide candidates outside --allow are counted, not written; denied ones are written', async (t) => {
  const clock = fakeClock(Date.UTC(2026, 0, 5, 12, 0));
  const calls: Array<{ ip: string; profile: ProfileName; at: number }> = [];
  const audit = join(tmp, 'scope.jsonl');
  const checks = ActiveChecks.create({ allow: ['192.0.2.0/28'], deny: ['192.0.2.9'], operator: 'o', via: 'agent', auditPath: audit, auditOutOfScope: false, clock, probe: fakeProbe(clock, calls, 0) as never });
  const candidates = [{ ip: '192.0.2.8', deviceClass: null }, { ip: '192.0.2.9', deviceClass: null }, ...Array.from({ length: 50 }, (_, i) => ({ ip: `198.51.100.${i + 1}`, deviceClass: null }))];
  const s = await checks.runOnce(candidates);
  checks.close();
  t.equal(s.refused, 51);
  t.same(lines(audit).map((l) => l.event), ['session-start', 'refused', 'probe', 'session-end']);
  t.match(lines(audit)[1], { target: '192.0.2.9', reason: 'denied' });
});

t.test('session: concurrency > 1 still respects the rate', async (t) => {
  const clock = fakeClock(Date.UTC(2026, 0, 5, 12, 0));
  const calls: Array<{ ip: string; profile: ProfileName; at: number }> = [];
  const checks = ActiveChecks.create({ allow: ['192.0.2.0/29'], hostsPerMinute: 60, concurrency: 3, operator: 'o', via: 'scan', auditPath: join(tmp, 'conc.jsonl'), clock, probe: fakeProbe(clock, calls, 0) as never });
  await checks.runOnce(null);
  checks.close();
  t.equal(calls.length, 6, '192.0.2.1-6');
  const gaps = calls.slice(1).map((c, i) => c.at - calls[i].at);
  t.ok(gaps.every((g) => g >= 1000), `starts at least 1 s apart (${gaps.join(',')})`);
});

t.test('session: the window closes mid-run; scheduled runs wait for the window; stop ends it', async (t) => {
  const clock = fakeClock(Date.UTC(2026, 0, 5, 0, 58)); // 00:58, window 00:00-01:00
  const calls: Array<{ ip: string; profile: ProfileName; at: number }> = [];
  const checks = ActiveChecks.create({ allow: ['192.0.2.0/29'], hostsPerMinute: 1, operator: 'o', via: 'agent', auditPath: join(tmp, 'window.jsonl'), every: '24h', window: '00:00-01:00', clock, probe: fakeProbe(clock, calls) as never });
  const runs: number[] = [];
  await checks.runScheduled(() => null, undefined, (s) => {
    runs.push(s.results.length);
    if (runs.length === 2) checks.stop();
  });
  checks.close();
  t.same(runs, [2, 2], 'two hosts fit before 01:00 each night');
  t.same(calls.map((c) => new Date(c.at).toISOString().slice(0, 16)), ['2026-01-05T00:58', '2026-01-05T00:59', '2026-01-06T00:58', '2026-01-06T00:59'], 'every 24 h from the last start, inside the window');
  t.same(calls.map((c) => c.ip), ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'], 'the second night starts with the hosts the window left out');
  t.match(lines(join(tmp, 'window.jsonl')).at(-1), { event: 'session-end', probes: 4, stopped: true });
});

t.test('errors a user sees before anything is sent', async (t) => {
  const base = { operator: 'o', via: 'scan' as const, auditPath: join(tmp, 'e.jsonl') };
  writeFileSync(base.auditPath, '');
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], nmap: join(tmp, 'no-such-nmap') }), { code: 'AUSCULT_ERR_NMAP_MISSING' });
  const fake = join(tmp, 'fake-nmap');
  writeFileSync(fake, '#!/bin/sh\necho nope\n');
  chmodSync(fake, 0o755);
  t.throws(() => nmapVersion(fake), { code: 'AUSCULT_ERR_NMAP_FAILED' });
  t.match(nmapVersion(), /^\d+\.\d+/);
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], auditPath: join(tmp, 'e.jsonl', 'under-a-file.jsonl') }), { code: 'AUSCULT_ERR_AUDIT_LOG' });
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], hostsPerMinute: 0 }), { code: 'AUSCULT_ERR_BAD_ARGUMENT' });
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], every: '10s' }), { code: 'AUSCULT_ERR_BAD_ARGUMENT' });
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], window: '1-5' }), { code: 'AUSCULT_ERR_BAD_ARGUMENT' });
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], ports: ['1-100'] }), { code: 'AUSCULT_ERR_BAD_ARGUMENT' });
  t.throws(() => ActiveChecks.create({ ...base, allow: ['10.0.0.0/8'], profile: 'aggressive' as never }), { code: 'AUSCULT_ERR_BAD_ARGUMENT' });
  t.throws(() => ActiveChecks.create({ ...base, allow: [] }), { code: 'AUSCULT_ERR_ACTIVE_POLICY' });
});
