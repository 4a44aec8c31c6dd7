/**
 * Runs nmap once: no shell, argv as given, stdin closed, stdout (the XML)
 * capped, killed on timeout or when the caller aborts. Exit status, nmap's
 * own error report and unreadable output each become an AuscultError.
 */
import { spawn } from 'node:child_process';
import { AuscultError } from '../errors.js';
import { NmapXmlError, parseNmapXml, type NmapRun } from './nmap-xml.js';

export interface RunNmapOptions {
  /** Executable (default 'nmap' from PATH). */
  nmap?: string;
  /** Kill after this long (default 180 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Cap on the XML read (default 8 MiB). */
  maxOutputBytes?: number;
}

export interface NmapResult {
  run: NmapRun;
  exitCode: number;
  stderr: string;
}

/** Spawn nmap with `argv` and parse its XML. Rejects with AUSCULT_ERR_NMAP_MISSING / _FAILED / _OUTPUT. */
export function runNmap(argv: readonly string[], opts: RunNmapOptions = {}): Promise<NmapResult> {
  const bin = opts.nmap ?? 'nmap';
  const max = opts.maxOutputBytes ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new AuscultError('AUSCULT_ERR_NMAP_FAILED', 'stopped before nmap started'));
      return;
    }
    const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let why: string | null = null;
    const kill = (reason: string): void => {
      if (why) return;
      why = reason;
      child.kill('SIGTERM');
      // Stop reading too: 'close' then waits only for the process, not for
      // anything it left holding the pipes.
      child.stdout.destroy();
      child.stderr.destroy();
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2000).unref();
    };
    const timer = setTimeout(() => kill(`nmap ran longer than ${opts.timeoutMs ?? 180_000} ms`), opts.timeoutMs ?? 180_000);
    const onAbort = (): void => kill('stopped');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > max) kill(`nmap wrote more than ${max} bytes of XML`);
      else out.push(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 65536) stderr += d;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err.code === 'ENOENT') reject(new AuscultError('AUSCULT_ERR_NMAP_MISSING', `cannot run ${bin}: not found`, { cause: err }));
      else reject(new AuscultError('AUSCULT_ERR_NMAP_FAILED', `cannot run ${bin}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const tail = stderr.trim().split('\n').slice(-3).join(' / ');
      if (why) {
        reject(new AuscultError('AUSCULT_ERR_NMAP_FAILED', `${why}${tail ? `: ${tail}` : ''}`));
        return;
      }
      let run: NmapRun;
      try {
        run = parseNmapXml(Buffer.concat(out).toString('utf8'));
      } catch (err) {
        if (!(err instanceof NmapXmlError)) {
          reject(err);
          return;
        }
        // No XML at all usually means nmap refused its arguments: its stderr says why.
        if (code !== 0 || sig) reject(new AuscultError('AUSCULT_ERR_NMAP_FAILED', `nmap exited with ${code ?? sig}${tail ? `: ${tail}` : ''}`, { cause: err }));
        else reject(new AuscultError('AUSCULT_ERR_NMAP_OUTPUT', err.message, { cause: err }));
        return;
      }
      if (run.exit === 'error') {
        reject(new AuscultError('AUSCULT_ERR_NMAP_FAILED', `nmap reported an error: ${run.errorMessage ?? 'no message'}`));
        return;
      }
      if (code !== 0 || sig) {
        reject(new AuscultError('AUSCULT_ERR_NMAP_FAILED', `nmap exited with ${code ?? sig}${tail ? `: ${tail}` : ''}`));
        return;
      }
      if (run.exit === null) {
        reject(new AuscultError('AUSCULT_ERR_NMAP_OUTPUT', 'nmap XML ends before <runstats>: the run was cut short'));
        return;
      }
      resolve({ run, exitCode: code, stderr });
    });
  });
}
