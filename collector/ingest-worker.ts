/**
 * The ingest thread (collector/ingest.ts): JSON parsing, the schema check
 * and preparing the columns of every agent message, off the thread that
 * owns the TLS sockets and the database. Frames arrive in order per
 * session and results go back in the same order.
 */
import { parentPort } from 'node:worker_threads';
import type { IngestRequest, IngestResult } from './ingest.js';
import { ingestFrame } from './validate.js';

const sessions = new Map<number, { helloed: boolean }>();

parentPort!.on('message', (m: IngestRequest) => {
  if (m.close !== undefined) {
    sessions.delete(m.close);
    return;
  }
  let s = sessions.get(m.session);
  if (!s) sessions.set(m.session, (s = { helloed: false }));
  const frame = Buffer.from(m.frame.buffer, m.frame.byteOffset, m.frame.byteLength);
  const result: IngestResult = { session: m.session, out: ingestFrame(frame, m.binary, s) };
  parentPort!.postMessage(result);
});
