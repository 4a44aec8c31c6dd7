/**
 * The messages bench/collector-load.ts sends are real protocol messages:
 * every one passes the collector's checks, and device updates move the way
 * an agent's refreshes do (lastSeen, counts, now and then a patch).
 */
import t from 'tap';
import { DEVICES_PER_AGENT, messageSource } from '../../bench/collector-load-messages.js';
import type { DeviceMessage } from '../../collector/protocol.js';
import { checkFrame } from '../../collector/validate.js';

t.test('bench messages pass checkFrame and vary', async (t) => {
  const frames = messageSource(7);
  const types = new Map<string, number>();
  const seenOf = new Map<string, Set<string>>();
  const versions = new Set<string>();
  let refused = 0;
  let wrongSeq = 0;
  const N = DEVICES_PER_AGENT * 10 * 8;
  for (let seq = 1; seq <= N; seq++) {
    const c = checkFrame(Buffer.from(frames(seq)), false, true);
    if (!c.ok) {
      refused++;
      continue;
    }
    if ((c.msg as { seq: number }).seq !== seq) wrongSeq++;
    types.set(c.msg.type, (types.get(c.msg.type) ?? 0) + 1);
    if (c.msg.type === 'device') {
      const d = (c.msg as DeviceMessage).device;
      if (!seenOf.has(d.id)) seenOf.set(d.id, new Set());
      seenOf.get(d.id)!.add(d.lastSeen);
      for (const v of d.softwareVersions) versions.add(v);
    }
  }
  t.equal(refused, 0, 'none refused');
  t.equal(wrongSeq, 0, 'each carries the seq it was made for');
  t.same([types.get('device'), types.get('finding'), types.get('stats')], [N * 0.7, N * 0.2, N * 0.1], 'mix 7:2:1');
  t.equal(seenOf.size, DEVICES_PER_AGENT);
  t.ok([...seenOf.values()].every((s) => s.size > 1), 'every device is refreshed with a new lastSeen');
  t.ok(versions.size > 1, 'some devices are patched');
  t.not(messageSource(8)(1), frames(1), 'agents report different devices');
});
