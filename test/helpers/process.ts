/** Waiting on child processes the tests start. */
import type { ChildProcess } from 'node:child_process';

/** Resolves once `re` matches what the child has written to `stream`; rejects (showing the text) after `timeoutMs`. */
export function waitOutput(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${text}`)), timeoutMs);
    child[stream]!.on('data', (d) => {
      text += d;
      if (re.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
