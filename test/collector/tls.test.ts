/**
 * TLS: the self-signed certificate generated next to the database is
 * reused across restarts and works for a client that pins it (no
 * rejectUnauthorized: false anywhere); a client trusting another CA is
 * refused; with --ca, a client without a certificate is refused and one
 * with a certificate the CA signed gets in.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { selfSignedPaths } from '../../collector/tls.js';
import { device, deviceMsg, testCollector, tempDir } from './helpers.js';

t.test('self-signed certificate, pinned', async (t) => {
  const dir = tempDir('tls');
  let tc = await testCollector({ dir });
  const paths = selfSignedPaths(tc.db);
  t.ok(existsSync(paths.cert) && existsSync(paths.key), 'FILE.cert.pem and FILE.key.pem next to the database');
  t.ok(tc.c.tls.generated);
  const pem = readFileSync(paths.cert, 'utf8');
  const token = tc.enroll('ward-a');
  const a = await tc.connect(token, { ca: pem });
  await a.hello();
  t.equal((await a.sendAcked(deviceMsg(1, device('ip:10.0.0.1')))).seq, 1, 'stored over wss with the pinned certificate');
  await a.close();

  const other = await generate([{ name: 'commonName', value: 'someone else' }], { keyType: 'ec', algorithm: 'sha256' });
  await t.rejects(tc.connect(token, { ca: other.cert }), /self[- ]signed|unable to verify|certificate/i, 'a client trusting another certificate refuses the collector');

  await tc.c.close();
  tc = await testCollector({ dir });
  t.teardown(() => tc.close());
  t.notOk(tc.c.tls.generated, 'reused on restart');
  t.equal(readFileSync(paths.cert, 'utf8'), pem);
});

t.test('mutual TLS with --ca', async (t) => {
  const dir = tempDir('mtls');
  const ca = await generate([{ name: 'commonName', value: 'auscult test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, cRLSign: true }],
  });
  const client = await generate([{ name: 'commonName', value: 'agent ward-a' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true }, { name: 'extKeyUsage', clientAuth: true }],
  });
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const tc = await testCollector({ dir, ca: join(dir, 'ca.pem') });
  t.teardown(() => tc.close());
  const token = tc.enroll('ward-a');

  await t.rejects(tc.connect(token), /certificate|socket hang up|ECONNRESET|alert/i, 'no client certificate: refused in the TLS handshake');
  const a = await tc.connect(token, { cert: client.cert, key: client.private });
  await a.hello();
  t.equal((await a.sendAcked(deviceMsg(1, device('ip:10.0.0.1')))).seq, 1, 'a certificate the CA signed gets in');
  await a.close();
  t.ok(tc.logs.some((l) => l.event === 'tls-refused'), 'the refused handshake is logged');
});

t.test('--cert without --key is refused', async (t) => {
  await t.rejects(testCollector({ cert: '/nonexistent.pem' }), { code: 'AUSCULT_ERR_COLLECTOR_TLS' });
});
