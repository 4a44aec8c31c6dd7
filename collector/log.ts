/**
 * The collector's log: one JSON object per line on stderr (or wherever the
 * caller points it). Tokens are never passed to it.
 */
export type LogLevel = 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

/** A logger writing JSON lines to `write` (default: stderr). */
export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, event, fields = {}) => write(JSON.stringify({ at: new Date().toISOString(), level, event, ...fields }) + '\n');
}

export const silentLogger: Logger = () => {};
