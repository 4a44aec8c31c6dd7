/**
 * When active checks run: every `every` ms (e.g. --every 24h), and only
 * inside a daily window of local time when one is given (e.g. --window
 * 01:00-05:00, the quiet hours; a window may cross midnight, 22:00-04:00).
 * A run that reaches the end of its window starts no new host.
 */

export interface DailyWindow {
  /** Minutes after local midnight. */
  startMin: number;
  endMin: number;
  text: string;
}

export interface Schedule {
  everyMs: number;
  window: DailyWindow | null;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "24h", "7d" → ms; null when malformed. At least one minute. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2]];
  return ms >= 60_000 ? ms : null;
}

/** "HH:MM-HH:MM" (24 h, local time); null when malformed or empty. */
export function parseWindow(text: string): DailyWindow | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/.exec(text.trim());
  if (!m) return null;
  const startMin = Number(m[1]) * 60 + Number(m[2]);
  const endMin = Number(m[3]) * 60 + Number(m[4]);
  if (endMin > 1440 || startMin === endMin) return null;
  return { startMin, endMin, text: text.trim() };
}

function minuteOfDay(t: number): number {
  const d = new Date(t);
  return d.getHours() * 60 + d.getMinutes() + d.getSeconds() / 60 + d.getMilliseconds() / 60_000;
}

/** Is local time `t` inside the window? */
export function inWindow(w: DailyWindow | null, t: number): boolean {
  if (!w) return true;
  const m = minuteOfDay(t);
  return w.startMin < w.endMin ? m >= w.startMin && m < w.endMin : m >= w.startMin || m < w.endMin;
}

/** Earliest time ≥ t inside the window (t itself when inside). */
export function nextWindowStart(w: DailyWindow | null, t: number): number {
  if (!w || inWindow(w, t)) return t;
  const d = new Date(t);
  d.setHours(Math.floor(w.startMin / 60), w.startMin % 60, 0, 0);
  if (d.getTime() <= t) d.setDate(d.getDate() + 1);
  return d.getTime();
}

/** When the next run starts, given when the last one started (null: never ran). */
export function nextRunAt(s: Schedule, now: number, lastStart: number | null): number {
  const due = lastStart === null ? now : Math.max(now, lastStart + s.everyMs);
  return nextWindowStart(s.window, due);
}
