/**
 * An active-check session: the policy, the audit log, the rate limiter and
 * the schedule around probeHost. Used by `auscult scan` (one run, or runs on
 * a schedule) and by `auscult agent --active-allow` (devices of the passive
 * inventory, on a schedule).
 *
 * Order of every probe: the target passed planTargets → rate-limit slot →
 * window still open → policy checked again → profile capped by device
 * class → nmap → audit line (fsync'd) → result handed on.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { AuscultError } from '../errors.js';
import { AuditLog, type AuditRecord } from './audit-log.js';
import { loadLifeCritical } from './device-classes.js';
import { createPolicy, planTargets, type ScanPolicy } from './policy.js';
import { probeHost, type ProbeResult } from './probe.js';
import { DICOM_PORTS, effectiveProfile, PROFILES, parsePorts, SAFE_PORTS, type ProfileName } from './profiles.js';
import { RateLimiter, systemClock, type Clock } from './rate-limiter.js';
import { inWindow, nextRunAt, parseDuration, parseWindow, type Schedule } from './schedule.js';

export interface ActiveConfig {
  allow: readonly string[];
  deny?: readonly string[];
  profile?: ProfileName;
  /** Hosts started per minute (default 6). */
  hostsPerMinute?: number;
  /** Hosts probed at the same time (default 1, at most 8). */
  concurrency?: number;
  /** Hosts per run (default 256). */
  maxHosts?: number;
  ports?: readonly (string | number)[];
  dicomPorts?: readonly (string | number)[];
  /** Let hosts of unknown class get 'extended' (default false: capped at safe). */
  extendedUnknown?: boolean;
  nmap?: string;
  hostTimeoutS?: number;
  operator: string;
  via: 'scan' | 'agent';
  auditPath: string;
  /** e.g. "24h"; null: one run. */
  every?: string | null;
  /** e.g. "01:00-05:00" local time. */
  window?: string | null;
  lifeCritical?: ReadonlySet<string>;
  /**
   * Write a 'refused' line for candidates outside every --allow block
   * (default true: someone named them). False when candidates are a whole
   * inventory: those devices are simply out of scope, and are only counted.
   * Denied candidates are always written.
   */
  auditOutOfScope?: boolean;
  clock?: Clock;
  /** Replaces probeHost (tests). */
  probe?: typeof probeHost;
  log?: (line: string) => void;
}

export interface Candidate {
  ip: string;
  deviceClass: string | null;
}

export interface RunSummary {
  results: ProbeResult[];
  /** Candidates refused by the policy (denied, outside the allow list, not an address). */
  refused: number;
  /** Targets not started because the window closed or the run was stopped. */
  notStarted: number;
  /** Their addresses, in order (the next scheduled run starts with them). */
  notStartedTargets: string[];
}

const bad = (msg: string): AuscultError => new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', msg);

/** nmap's version, or AUSCULT_ERR_NMAP_MISSING. */
export function nmapVersion(bin = 'nmap'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new AuscultError(code === 'ENOENT' ? 'AUSCULT_ERR_NMAP_MISSING' : 'AUSCULT_ERR_NMAP_FAILED', `cannot run ${bin}: ${code === 'ENOENT' ? 'not found' : r.error.message}`);
  }
  const m = /Nmap version (\S+)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new AuscultError('AUSCULT_ERR_NMAP_FAILED', `${bin} --version did not print an nmap version`);
  return m[1];
}

export class ActiveChecks {
  readonly session = randomUUID();
  readonly policy: ScanPolicy;
  readonly schedule: Schedule | null;
  readonly profile: ProfileName;
  readonly ports: number[];
  readonly dicomPorts: number[];
  readonly nmapVersion: string;
  private readonly cfg: ActiveConfig;
  private readonly audit: AuditLog;
  private readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly lifeCritical: ReadonlySet<string>;
  private readonly abort = new AbortController();
  private probes = 0;
  private errors = 0;
  private closed = false;

  private constructor(cfg: ActiveConfig, parts: { policy: ScanPolicy; schedule: Schedule | null; ports: number[]; dicomPorts: number[]; nmapVersion: string; audit: AuditLog }) {
    this.cfg = cfg;
    this.policy = parts.policy;
    this.schedule = parts.schedule;
    this.profile = cfg.profile ?? 'safe';
    this.ports = parts.ports;
    this.dicomPorts = parts.dicomPorts;
    this.nmapVersion = parts.nmapVersion;
    this.audit = parts.audit;
    this.clock = cfg.clock ?? systemClock;
    this.limiter = new RateLimiter(cfg.hostsPerMinute ?? 6, this.clock);
    this.lifeCritical = cfg.lifeCritical ?? loadLifeCritical();
  }

  /**
   * Check every option, find nmap, open the audit log and record who enabled
   * what. Throws AuscultError (bad options, no nmap, no audit log) before any
   * packet could be sent.
   */
  static create(cfg: ActiveConfig): ActiveChecks {
    const policy = createPolicy(cfg.allow, cfg.deny ?? []);
    const profile = cfg.profile ?? 'safe';
    if (!PROFILES.includes(profile)) throw bad(`profile must be one of ${PROFILES.join(', ')}`);
    const rate = cfg.hostsPerMinute ?? 6;
    if (!(rate > 0 && rate <= 600)) throw bad('the rate is hosts per minute, more than 0 and at most 600');
    const conc = cfg.concurrency ?? 1;
    if (!Number.isInteger(conc) || conc < 1 || conc > 8) throw bad('concurrency is 1 to 8 hosts at a time');
    const maxHosts = cfg.maxHosts ?? 256;
    if (!Number.isInteger(maxHosts) || maxHosts < 1 || maxHosts > 65536) throw bad('--max-hosts is 1 to 65536');
    const ports = parsePorts(cfg.ports ?? SAFE_PORTS);
    if ('error' in ports) throw bad(`ports: ${ports.error}`);
    const dicomPorts = parsePorts(cfg.dicomPorts ?? DICOM_PORTS);
    if ('error' in dicomPorts) throw bad(`DICOM ports: ${dicomPorts.error}`);
    let schedule: Schedule | null = null;
    if (cfg.every || cfg.window) {
      const everyMs = cfg.every ? parseDuration(cfg.every) : 86_400_000;
      if (everyMs === null) throw bad(`every: '${cfg.every}' is not a duration of at least a minute (90s, 15m, 24h, 7d)`);
      const window = cfg.window ? parseWindow(cfg.window) : null;
      if (cfg.window && !window) throw bad(`window: '${cfg.window}' is not HH:MM-HH:MM`);
      schedule = { everyMs, window };
    }
    const version = nmapVersion(cfg.nmap);
    const audit = AuditLog.open(cfg.auditPath);
    const checks = new ActiveChecks(cfg, { policy, schedule, ports, dicomPorts, nmapVersion: version, audit });
    try {
      checks.write({
        event: 'session-start',
        at: new Date(checks.clock.now()).toISOString(),
        session: checks.session,
        operator: cfg.operator,
        via: cfg.via,
        allow: policy.allow.map((c) => c.text),
        deny: policy.deny.map((c) => c.text),
        profile,
        hostsPerMinute: rate,
        concurrency: conc,
        ports,
        dicomPorts,
        schedule: { every: cfg.every ?? null, window: cfg.window ?? null },
        pid: process.pid,
      });
    } catch (err) {
      audit.close();
      throw err;
    }
    return checks;
  }

  private write(r: AuditRecord): void {
    this.audit.write(r);
  }

  get lifeCriticalClasses(): ReadonlySet<string> {
    return this.lifeCritical;
  }

  /** Sleep on this session's clock; returns early on stop(). */
  sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.abort.signal);
  }

  get auditPath(): string {
    return this.audit.path;
  }

  /** Stop: no new probe starts, a running nmap is killed (its audit line still written). */
  stop(): void {
    this.abort.abort();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * One run over `candidates` (null: every host of the allow list). Refused
   * candidates are audited; the rest are probed at the configured rate.
   */
  async runOnce(candidates: readonly Candidate[] | null, onResult?: (r: ProbeResult) => void): Promise<RunSummary> {
    const classOf = new Map((candidates ?? []).map((c) => [c.ip, c.deviceClass]));
    const plan = planTargets(this.policy, candidates ? candidates.map((c) => c.ip) : null, this.cfg.maxHosts ?? 256);
    for (const r of plan.refused) {
      if (r.reason === 'not-allowed' && this.cfg.auditOutOfScope === false) continue;
      this.write({ event: 'refused', session: this.session, at: new Date(this.clock.now()).toISOString(), operator: this.cfg.operator, target: r.target, reason: r.reason, detail: r.detail });
    }
    const results: ProbeResult[] = [];
    const queue = [...plan.targets];
    const left: string[] = [];
    const signal = this.abort.signal;
    const probe = this.cfg.probe ?? probeHost;
    const worker = async (): Promise<void> => {
      for (;;) {
        const target = queue.shift();
        if (!target) return;
        if (!(await this.limiter.acquire(signal)) || signal.aborted) {
          left.push(target.text, ...queue.splice(0).map((q) => q.text));
          return;
        }
        if (this.schedule && !inWindow(this.schedule.window, this.clock.now())) {
          left.push(target.text, ...queue.splice(0).map((q) => q.text));
          this.cfg.log?.(`auscult active: the window ${this.schedule.window?.text} closed; ${left.length} hosts wait for the next run`);
          return;
        }
        // Belt and braces: the same policy, again, right before the packet.
        const d = this.policy.decide(target.text);
        if (!d.allowed) throw new AuscultError('AUSCULT_ERR_INTERNAL', `refusing ${target.text} at probe time: ${d.detail}`);
        const cls = classOf.get(target.text) ?? classOf.get(d.ip.text) ?? null;
        const eff = effectiveProfile(this.profile, cls, this.lifeCritical, this.cfg.extendedUnknown);
        const r = await probe(d.ip, eff.profile, {
          session: this.session,
          ports: this.ports,
          dicomPorts: this.dicomPorts,
          hostTimeoutS: this.cfg.hostTimeoutS,
          nmap: this.cfg.nmap,
          timeoutMs: ((this.cfg.hostTimeoutS ?? 120) + 30) * 1000 * 2,
          signal,
          now: () => this.clock.now(),
        });
        this.probes++;
        if (r.status === 'error') this.errors++;
        this.write({
          event: 'probe',
          session: this.session,
          operator: this.cfg.operator,
          target: r.target,
          deviceClass: cls,
          requestedProfile: this.profile,
          profile: eff.profile,
          cappedBecause: eff.cappedBecause,
          argv: r.argv.map((a) => [this.cfg.nmap ?? 'nmap', ...a]),
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          durationMs: r.durationMs,
          result: {
            status: r.status,
            openPorts: r.openPorts,
            dicom: r.dicom,
            services: r.ports
              .filter((p) => p.state === 'open' && p.service)
              .map((p) => ({ port: p.port, name: p.service!.name, product: p.service!.product, version: p.service!.version })),
            error: r.error,
          },
        });
        results.push(r);
        onResult?.(r);
      }
    };
    await Promise.all(Array.from({ length: this.cfg.concurrency ?? 1 }, worker));
    return { results, refused: plan.refused.length, notStarted: left.length, notStartedTargets: left };
  }

  /**
   * Runs on the schedule until stop(): waits for the next slot (every, window),
   * asks `candidates()` for the current targets, runs them.
   */
  async runScheduled(candidates: () => readonly Candidate[] | null, onResult?: (r: ProbeResult) => void, onRun?: (s: RunSummary) => void): Promise<void> {
    const schedule = this.schedule ?? { everyMs: 86_400_000, window: null };
    let last: number | null = null;
    // Hosts a closing window left out go first next time, so a long list is covered over several nights.
    let first = new Set<string>();
    const ordered = (list: readonly Candidate[] | null, all: () => Candidate[]): Candidate[] => {
      const items = list ?? all();
      return [...items.filter((c) => first.has(c.ip)), ...items.filter((c) => !first.has(c.ip))];
    };
    while (!this.stopped) {
      const at = nextRunAt(schedule, this.clock.now(), last);
      const wait = at - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait, this.abort.signal);
      if (this.stopped) break;
      last = this.clock.now();
      const list = candidates();
      // Without explicit candidates the run covers the allow list itself; order it the same way.
      const summary = await this.runOnce(first.size > 0 ? ordered(list, () => planTargets(this.policy, null, this.cfg.maxHosts ?? 256).targets.map((ip) => ({ ip: ip.text, deviceClass: null }))) : list, onResult);
      first = new Set(summary.notStartedTargets);
      onRun?.(summary);
    }
  }

  /** Record the end of the session and close the audit log. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.write({ event: 'session-end', session: this.session, at: new Date(this.clock.now()).toISOString(), operator: this.cfg.operator, probes: this.probes, errors: this.errors, stopped: this.stopped });
    } finally {
      this.audit.close();
    }
  }
}
