/**
 * Behaviour exposures from active-check evidence: a DICOM service that
 * accepted an association addressed to an AE title it does not have.
 */
import t from 'tap';
import { behaviourFindings } from '../../rules/correlate/exposures.js';
import { deviceFromFragment } from '../../rules/fingerprint/attributes.js';
import type { Evidence } from '../../rules/inventory.js';

function aeCheck(value: string, port: number): Evidence {
  return {
    attribute: 'dicomCalledAeCheck',
    value,
    protocol: 'active',
    field: `nmap dicom-ping tcp/${port}, called AE ANY-SCP: ${value === 'enabled' ? 'A-ASSOCIATE-RJ' : 'A-ASSOCIATE-AC'}`,
    flow: 'active:s1:192.0.2.10',
    firstSeen: '2026-11-28T10:00:00.000Z',
    lastSeen: '2026-11-28T10:00:00.000Z',
    count: 1,
    confidence: 'medium',
  };
}

function device(evidence: Evidence[]) {
  const d = deviceFromFragment({ id: 'ip:192.0.2.10', ip: '192.0.2.10' });
  d.evidence = evidence;
  return d;
}

t.test('any called AE accepted: one medium exposure naming the ports', async (t) => {
  const f = behaviourFindings(device([aeCheck('any-ae-accepted', 104), aeCheck('any-ae-accepted', 11112)]));
  t.equal(f.length, 1);
  t.match(f[0], { deviceId: 'ip:192.0.2.10', kind: 'exposure', severity: 'medium', status: 'affected', title: 'DICOM service accepts any called AE title' });
  t.match(f[0].explanation.summary, /tcp\/104, tcp\/11112/);
  t.equal(f[0].explanation.matched.length, 2, 'backed by both evidence rows');
  t.ok(f[0].remediations[0].details.length > 20);
  // Stable id: the same device and exposure give the same finding id.
  t.equal(behaviourFindings(device([aeCheck('any-ae-accepted', 104)]))[0].id, f[0].id);
});

t.test('a service that checks the called AE, or an unknown answer, is no exposure', async (t) => {
  t.same(behaviourFindings(device([aeCheck('enabled', 104)])), []);
  t.same(behaviourFindings(device([aeCheck('unknown', 104)])), []);
  t.same(behaviourFindings(device([])), []);
});
