/**
 * TLS material for the collector: the operator's --cert/--key, or a
 * self-signed certificate generated on first run with the `selfsigned`
 * package (v5, async, Node's WebCrypto) and kept next to the database as
 * FILE.cert.pem / FILE.key.pem (key mode 0600), so agents can pin it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { AuscultError } from '../agent/errors.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string | null;
  /** Where the certificate came from, for the startup log. */
  certFile: string;
  generated: boolean;
  /** SHA-256 fingerprint of the certificate (for pinning on agents). */
  fingerprint256: string;
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuscultError('AUSCULT_ERR_COLLECTOR_TLS', `cannot read the ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The certificate files a collector keeps next to its database. */
export function selfSignedPaths(db: string): { cert: string; key: string } {
  return { cert: `${db}.cert.pem`, key: `${db}.key.pem` };
}

/**
 * Loads --cert/--key (both or neither) and --ca, or the self-signed pair
 * next to `db`, generating it when absent. The self-signed certificate
 * names localhost, 127.0.0.1, ::1 and this host's name.
 */
export async function loadTls(opts: { db: string; cert?: string; key?: string; ca?: string }): Promise<TlsMaterial> {
  if (!!opts.cert !== !!opts.key) throw new AuscultError('AUSCULT_ERR_COLLECTOR_TLS', 'give --cert and --key together (or neither, for a self-signed certificate)');
  const ca = opts.ca ? read(opts.ca, 'CA bundle') : null;
  let cert: string;
  let key: string;
  let certFile: string;
  let generated = false;
  if (opts.cert && opts.key) {
    cert = read(opts.cert, 'certificate');
    key = read(opts.key, 'private key');
    certFile = opts.cert;
  } else {
    const p = selfSignedPaths(opts.db);
    certFile = p.cert;
    if (existsSync(p.cert) && existsSync(p.key)) {
      cert = read(p.cert, 'certificate');
      key = read(p.key, 'private key');
    } else {
      const host = hostname();
      const notAfter = new Date();
      notAfter.setFullYear(notAfter.getFullYear() + 5);
      const pems = await generate([{ name: 'commonName', value: `auscult collector ${host}` }], {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        notAfterDate: notAfter,
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: [
              { type: 2, value: 'localhost' },
              { type: 2, value: host },
              { type: 7, ip: '127.0.0.1' },
              { type: 7, ip: '::1' },
            ],
          },
        ],
      });
      cert = pems.cert;
      key = pems.private;
      try {
        writeFileSync(p.key, key, { mode: 0o600, flag: 'wx' });
        writeFileSync(p.cert, cert, { mode: 0o644, flag: 'wx' });
      } catch (err) {
        throw new AuscultError('AUSCULT_ERR_COLLECTOR_TLS', `cannot write the self-signed certificate next to the database (${p.cert}): ${(err as Error).message}`, { cause: err });
      }
      generated = true;
    }
  }
  let fingerprint256: string;
  try {
    fingerprint256 = new X509Certificate(cert).fingerprint256;
  } catch (err) {
    throw new AuscultError('AUSCULT_ERR_COLLECTOR_TLS', `${certFile} is not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key, ca, certFile, generated, fingerprint256 };
}
