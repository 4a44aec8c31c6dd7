/**
 * Who may be probed. An operator lists the subnets active checks may touch
 * (allow) and a do-not-probe list (deny); deny always wins. Nothing outside
 * the allow list is ever a target, whatever the inventory or the command
 * line names. The same check runs again right before each nmap start.
 */
import { AuscultError } from '../errors.js';
import { cidrContains, cidrHosts, cidrSize, parseCidr, parseIp, type Cidr, type IpAddress } from './cidr.js';

export type Decision =
  | { allowed: true; ip: IpAddress; allowedBy: string }
  | { allowed: false; reason: 'not-an-ip' | 'denied' | 'not-allowed'; detail: string };

export interface ScanPolicy {
  readonly allow: readonly Cidr[];
  readonly deny: readonly Cidr[];
  /** May this literal be probed? */
  decide(target: string): Decision;
}

function parseList(list: readonly string[] | undefined, flag: string): Cidr[] {
  const out: Cidr[] = [];
  for (const item of list ?? []) {
    for (const part of item.split(',').map((s) => s.trim()).filter(Boolean)) {
      const c = parseCidr(part);
      if ('error' in c) throw new AuscultError('AUSCULT_ERR_ACTIVE_POLICY', `${flag}: ${c.error}`);
      out.push(c);
    }
  }
  return out;
}

/** Build a policy from --allow / --deny values (each may be comma-separated). Throws AUSCULT_ERR_ACTIVE_POLICY. */
export function createPolicy(allow: readonly string[], deny: readonly string[] = []): ScanPolicy {
  const allowList = parseList(allow, '--allow');
  const denyList = parseList(deny, '--deny');
  if (allowList.length === 0) throw new AuscultError('AUSCULT_ERR_ACTIVE_POLICY', 'active checks need at least one --allow CIDR');
  return {
    allow: allowList,
    deny: denyList,
    decide(target: string): Decision {
      const ip = parseIp(target);
      // Exactly one literal: "10.0.0.1 " trimmed is fine, "10.0.0.1/32" or a name is not.
      if (!ip || target.trim() !== target) return { allowed: false, reason: 'not-an-ip', detail: `'${target}' is not a single IP address` };
      const d = denyList.find((c) => cidrContains(c, ip));
      if (d) return { allowed: false, reason: 'denied', detail: `${ip.text} is in the do-not-probe list (${d.text})` };
      const a = allowList.find((c) => cidrContains(c, ip));
      if (!a) return { allowed: false, reason: 'not-allowed', detail: `${ip.text} is outside every --allow subnet` };
      return { allowed: true, ip, allowedBy: a.text };
    },
  };
}

export interface TargetPlan {
  /** Addresses to probe, in order, each allowed and not denied. */
  targets: IpAddress[];
  /** Candidates refused, with why (for the audit log). */
  refused: Array<{ target: string; reason: string; detail: string }>;
}

/**
 * Targets for one run. With explicit candidates (command line, inventory)
 * only those that pass the policy; without, every host of the allow blocks
 * minus the deny list. More than `maxHosts` is an error, not a silent cut,
 * so an operator never probes a different set than the one they think.
 */
export function planTargets(policy: ScanPolicy, candidates: readonly string[] | null, maxHosts: number): TargetPlan {
  const targets: IpAddress[] = [];
  const refused: TargetPlan['refused'] = [];
  const seen = new Set<string>();
  const take = (ip: IpAddress): void => {
    if (seen.has(ip.text)) return;
    seen.add(ip.text);
    if (targets.length >= maxHosts) {
      throw new AuscultError('AUSCULT_ERR_ACTIVE_TOO_MANY', `more than ${maxHosts} hosts to probe in one run`);
    }
    targets.push(ip);
  };
  if (candidates) {
    for (const c of candidates) {
      const d = policy.decide(c);
      if (d.allowed) take(d.ip);
      else if (!seen.has(c)) {
        seen.add(c);
        refused.push({ target: c, reason: d.reason, detail: d.detail });
      }
    }
    return { targets, refused };
  }
  for (const block of policy.allow) {
    const size = cidrSize(block);
    if (size > BigInt(maxHosts) + 2n) {
      throw new AuscultError('AUSCULT_ERR_ACTIVE_TOO_MANY', `--allow ${block.text} holds ${size} addresses, more than --max-hosts ${maxHosts}; name targets (--target, --inventory) or raise --max-hosts`);
    }
    for (const ip of cidrHosts(block)) {
      const d = policy.decide(ip.text);
      if (d.allowed) take(d.ip);
    }
  }
  return { targets, refused };
}
