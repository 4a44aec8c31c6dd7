/**
 * Who may be probed: IP and CIDR parsing (IPv4 and IPv6), allow/deny with
 * deny winning, target planning with its cap. Properties over random
 * addresses and blocks: a target is never outside the allow list and never
 * inside the deny list.
 */
import fc from 'fast-check';
import t from 'tap';
import { cidrContains, cidrHosts, parseCidr, parseIp, type Cidr } from '../../agent/active/cidr.js';
import { createPolicy, planTargets } from '../../agent/active/policy.js';
import { AuscultError } from '../../agent/errors.js';

const RUNS = { numRuns: 400, interruptAfterTimeLimit: 3000 };

t.test('IPv4 literals: strict dotted quads only', async (t) => {
  t.equal(parseIp('192.0.2.7')?.text, '192.0.2.7');
  t.equal(parseIp(' 10.0.0.1 ')?.text, '10.0.0.1');
  for (const bad of ['10.1', '10.0.0.256', '010.0.0.1', '10.0.0.1.', '1.2.3.4/32', 'localhost', 'pacs.example', '', '0x7f.0.0.1', '1e2.0.0.1']) {
    t.equal(parseIp(bad), null, `'${bad}' refused`);
  }
});

t.test('IPv6 literals: RFC 4291 forms in, RFC 5952 text out', async (t) => {
  t.equal(parseIp('2001:DB8:0:0:0:0:0:1')?.text, '2001:db8::1');
  t.equal(parseIp('::1')?.text, '::1');
  t.equal(parseIp('::')?.text, '::');
  t.equal(parseIp('2001:db8::')?.text, '2001:db8::');
  t.equal(parseIp('::ffff:192.0.2.1')?.text, '::ffff:c000:201');
  t.equal(parseIp('2001:db8:0:1:0:0:0:1')?.text, '2001:db8:0:1::1', 'the longest zero run is compressed');
  t.equal(parseIp('2001:0:0:1:0:0:0:1')?.text, '2001:0:0:1::1', 'the longest run wins, the first on a tie');
  t.equal(parseIp('2001:db8:1:1:1:1:1:1')?.text, '2001:db8:1:1:1:1:1:1');
  for (const bad of ['2001:db8::1::1', ':::', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '2001:db8::g', '12345::', '1:2:3:4:5:6:7::8:9']) {
    t.equal(parseIp(bad), null, `'${bad}' refused`);
  }
});

t.test('CIDR blocks: host bits refused, prefixes checked', async (t) => {
  t.same(parseCidr('192.0.2.0/24'), { family: 4, base: 0xc0000200n, prefix: 24, text: '192.0.2.0/24' });
  t.equal((parseCidr('192.0.2.9') as Cidr).text, '192.0.2.9/32', 'a bare address is one host');
  t.equal((parseCidr('2001:db8::/32') as Cidr).text, '2001:db8::/32');
  t.match(parseCidr('192.0.2.7/24'), { error: /host bits set; the block is 192\.0\.2\.0\/24/ });
  t.match(parseCidr('192.0.2.0/33'), { error: /prefix length must be 0-32/ });
  t.match(parseCidr('2001:db8::/129'), { error: /0-128/ });
  t.match(parseCidr('pacs.example/24'), { error: /host names are not accepted/ });
  const c = parseCidr('192.0.2.0/30') as Cidr;
  t.same([...cidrHosts(c)].map((h) => h.text), ['192.0.2.1', '192.0.2.2'], 'network and broadcast addresses left out');
  t.same([...cidrHosts(parseCidr('192.0.2.4/31') as Cidr)].map((h) => h.text), ['192.0.2.4', '192.0.2.5'], '/31 keeps both (RFC 3021)');
  t.notOk(cidrContains(parseCidr('::/0') as Cidr, parseIp('10.0.0.1')!), 'families never mix');
});

t.test('deny wins over allow; unlisted is refused; names are refused', async (t) => {
  const p = createPolicy(['192.0.2.0/24', '2001:db8::/64'], ['192.0.2.20', '192.0.2.128/25']);
  t.match(p.decide('192.0.2.10'), { allowed: true, allowedBy: '192.0.2.0/24' });
  t.match(p.decide('192.0.2.20'), { allowed: false, reason: 'denied' });
  t.match(p.decide('192.0.2.200'), { allowed: false, reason: 'denied' });
  t.match(p.decide('198.51.100.1'), { allowed: false, reason: 'not-allowed' });
  t.match(p.decide('2001:db8::5'), { allowed: true });
  t.match(p.decide('2001:db8:0:1::5'), { allowed: false, reason: 'not-allowed' });
  t.match(p.decide('pacs.example'), { allowed: false, reason: 'not-an-ip' });
  t.match(p.decide('192.0.2.0/24'), { allowed: false, reason: 'not-an-ip' }, 'a block is never a target');
  t.match(p.decide(' 192.0.2.10'), { allowed: false, reason: 'not-an-ip' });
  t.throws(() => createPolicy([]), { code: 'AUSCULT_ERR_ACTIVE_POLICY' });
  t.throws(() => createPolicy(['10.0.0.0/8'], ['printer.example']), { code: 'AUSCULT_ERR_ACTIVE_POLICY' });
  t.same(createPolicy(['192.0.2.0/28,192.0.2.64/28']).allow.map((c) => c.text), ['192.0.2.0/28', '192.0.2.64/28'], 'comma-separated lists');
});

t.test('planTargets: candidates filtered and refusals kept; expansion capped', async (t) => {
  const p = createPolicy(['192.0.2.0/29'], ['192.0.2.3']);
  const plan = planTargets(p, ['192.0.2.1', '192.0.2.3', '198.51.100.7', '192.0.2.1', 'x'], 10);
  t.same(plan.targets.map((x) => x.text), ['192.0.2.1']);
  t.same(plan.refused.map((r) => [r.target, r.reason]), [['192.0.2.3', 'denied'], ['198.51.100.7', 'not-allowed'], ['x', 'not-an-ip']]);
  t.same(planTargets(p, null, 10).targets.map((x) => x.text), ['192.0.2.1', '192.0.2.2', '192.0.2.4', '192.0.2.5', '192.0.2.6']);
  t.throws(() => planTargets(createPolicy(['10.0.0.0/16']), null, 256), { code: 'AUSCULT_ERR_ACTIVE_TOO_MANY' });
  t.throws(() => planTargets(createPolicy(['2001:db8::/64']), null, 256), { code: 'AUSCULT_ERR_ACTIVE_TOO_MANY' });
  t.throws(() => planTargets(p, ['192.0.2.1', '192.0.2.2', '192.0.2.4'], 2), AuscultError);
});

// Random blocks inside 10.0.0.0/8 so allow and deny overlap often.
const arbV4 = fc.integer({ min: 0x0a000000, max: 0x0affffff });
const arbBlock = fc.tuple(arbV4, fc.integer({ min: 20, max: 32 })).map(([v, prefix]) => {
  const base = (v >>> (32 - prefix)) << (32 - prefix);
  const ip = [24, 16, 8, 0].map((s) => (base >>> s) & 0xff).join('.');
  return `${ip}/${prefix}`;
});

t.test('property: a planned target is inside allow and outside deny', async (t) => {
  fc.assert(
    fc.property(fc.array(arbBlock, { minLength: 1, maxLength: 4 }), fc.array(arbBlock, { maxLength: 4 }), fc.array(arbV4, { maxLength: 60 }), (allow, deny, cands) => {
      const p = createPolicy(allow, deny);
      const ips = cands.map((v) => [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join('.'));
      const plan = planTargets(p, ips, 10_000);
      for (const ip of plan.targets) {
        if (p.deny.some((c) => cidrContains(c, ip))) return false;
        if (!p.allow.some((c) => cidrContains(c, ip))) return false;
      }
      // and every candidate is accounted for: planned or refused
      return ips.every((ip) => plan.targets.some((x) => x.text === ip) || plan.refused.some((r) => r.target === ip));
    }),
    RUNS,
  );
  t.pass('held');
});

t.test('property: deny wins — a denied address is refused whatever allows it', async (t) => {
  fc.assert(
    fc.property(arbBlock, fc.array(arbBlock, { minLength: 1, maxLength: 3 }), arbV4, (deny, allowExtra, v) => {
      const ip = [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join('.');
      const d = parseCidr(deny) as Cidr;
      const inDeny = cidrContains(d, parseIp(ip)!);
      const p = createPolicy([...allowExtra, deny, '10.0.0.0/8'], [deny]);
      const r = p.decide(ip);
      return inDeny ? !r.allowed && r.reason === 'denied' : r.allowed;
    }),
    RUNS,
  );
  t.pass('held');
});

t.test('property: expanding the allow list never yields a denied or outside address', async (t) => {
  fc.assert(
    fc.property(fc.array(arbBlock.filter((b) => Number(b.split('/')[1]) >= 24), { minLength: 1, maxLength: 3 }), fc.array(arbBlock, { maxLength: 3 }), (allow, deny) => {
      const p = createPolicy(allow, deny);
      const plan = planTargets(p, null, 100_000);
      return plan.targets.every((ip) => p.allow.some((c) => cidrContains(c, ip)) && !p.deny.some((c) => cidrContains(c, ip)));
    }),
    { numRuns: 150, interruptAfterTimeLimit: 3000 },
  );
  t.pass('held');
});

t.test('property: IPv6 text round-trips through the canonical form', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
      const full = groups.map((g) => g.toString(16)).join(':');
      const a = parseIp(full);
      const b = a && parseIp(a.text);
      return !!a && !!b && a.value === b.value && b.text === a.text;
    }),
    RUNS,
  );
  t.pass('held');
});
