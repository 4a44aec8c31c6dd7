/**
 * The active-check audit log: JSON lines, opened append-only (O_APPEND),
 * each line fsync'd before the call returns, so a line that was written
 * survives a crash and nothing is ever rewritten. Who enabled the checks,
 * every probe (target, profile, argv, start and end, result) and every
 * refused target go here. No line, no probe: a write failure stops the run.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import { AuscultError } from '../errors.js';

export type AuditRecord =
  | {
      event: 'session-start';
      at: string;
      session: string;
      operator: string;
      via: 'scan' | 'agent';
      allow: string[];
      deny: string[];
      profile: string;
      hostsPerMinute: number;
      concurrency: number;
      ports: number[];
      dicomPorts: number[];
      schedule: { every: string | null; window: string | null };
      pid: number;
    }
  | {
      event: 'probe';
      session: string;
      operator: string;
      target: string;
      deviceClass: string | null;
      requestedProfile: string;
      profile: string;
      cappedBecause: string | null;
      argv: string[][];
      startedAt: string;
      finishedAt: string;
      durationMs: number;
      result: {
        status: 'up' | 'no-open-port' | 'error' | 'stopped';
        openPorts: number[];
        dicom: Array<{ port: number; calledAeCheck: 'enabled' | 'any-ae-accepted' | 'unknown' }>;
        services: Array<{ port: number; name: string | null; product: string | null; version: string | null }>;
        error: { code: string; message: string } | null;
      };
    }
  | { event: 'refused'; session: string; at: string; operator: string; target: string; reason: string; detail: string }
  | { event: 'session-end'; session: string; at: string; operator: string; probes: number; errors: number; stopped: boolean };

/** The operator: --operator, else the user sudo ran as, else the login user. */
export function resolveOperator(explicit?: string): string {
  if (explicit && explicit.trim()) return explicit.trim();
  const env = process.env.SUDO_USER || process.env.USER || process.env.LOGNAME;
  if (env) return env;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export class AuditLog {
  private fd: number | null;
  readonly path: string;
  lines = 0;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /** Open (create) the log for appending. Throws AUSCULT_ERR_AUDIT_LOG. */
  static open(path: string): AuditLog {
    try {
      mkdirSync(dirname(path), { recursive: true });
      // 'a': O_APPEND|O_CREAT; 0o640: operators and their group read it, nobody else.
      return new AuditLog(path, openSync(path, 'a', 0o640));
    } catch (err) {
      throw new AuscultError('AUSCULT_ERR_AUDIT_LOG', `cannot open the audit log ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Append one record and fsync it. Throws AUSCULT_ERR_AUDIT_LOG. */
  write(record: AuditRecord): void {
    if (this.fd === null) throw new AuscultError('AUSCULT_ERR_AUDIT_LOG', `the audit log ${this.path} is closed`);
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    try {
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off);
      fsyncSync(this.fd);
      this.lines++;
    } catch (err) {
      throw new AuscultError('AUSCULT_ERR_AUDIT_LOG', `cannot write the audit log ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
