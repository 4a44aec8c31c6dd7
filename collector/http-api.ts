/**
 * The HTTP JSON API of collector/api-types.ts, under /api/. Plain node:http
 * routing: GET only, JSON errors { error: { code, message } }.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { devicesToCsv } from './export/csv.js';
import { devicesToCycloneDx } from './export/cyclonedx.js';
import type { CollectorStore, DeviceFilter, FindingFilter } from './store.js';
import type { SseHub } from './sse.js';

export interface ApiContext {
  store: CollectorStore;
  sse: SseHub;
  connected: () => ReadonlySet<string>;
  collectorVersion: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function bool(params: URLSearchParams, name: string): boolean | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError(400, 'bad-parameter', `${name} must be true or false (is ${JSON.stringify(v)})`);
}

function list(params: URLSearchParams, name: string): string[] | undefined {
  const all = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  return all.length ? all : undefined;
}

function str(params: URLSearchParams, name: string): string | undefined {
  const v = params.get(name);
  return v === null || v === '' ? undefined : v;
}

function paging(params: URLSearchParams): { limit?: number; offset?: number } {
  const out: { limit?: number; offset?: number } = {};
  for (const name of ['limit', 'offset'] as const) {
    const v = params.get(name);
    if (v === null || v === '') continue;
    if (!/^\d{1,9}$/.test(v)) throw new ApiError(400, 'bad-parameter', `${name} must be a non-negative integer`);
    out[name] = Number(v);
  }
  if (out.offset !== undefined && out.limit === undefined) out.limit = -1; // SQLite: no limit
  return out;
}

export function deviceFilter(params: URLSearchParams): DeviceFilter {
  return { q: str(params, 'q'), vendor: str(params, 'vendor'), class: str(params, 'class'), agent: str(params, 'agent'), vulnerable: bool(params, 'vulnerable'), ...paging(params) };
}

export function findingFilter(params: URLSearchParams): FindingFilter {
  return {
    severity: list(params, 'severity'),
    kev: bool(params, 'kev'),
    status: list(params, 'status'),
    open: bool(params, 'open'),
    device: str(params, 'device'),
    source: str(params, 'source'),
    ...paging(params),
  };
}

/** Handles a request under /api/. */
export function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'method-not-allowed', 'the API is read-only: GET');
    const path = url.pathname;
    const p = url.searchParams;
    if (path === '/api/devices') return json(res, 200, { devices: ctx.store.devices(deviceFilter(p)) });
    if (path.startsWith('/api/devices/')) {
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/api/devices/'.length));
      } catch {
        throw new ApiError(400, 'bad-parameter', 'the device id is not valid percent-encoding');
      }
      const detail = ctx.store.deviceDetail(id);
      if (!detail) throw new ApiError(404, 'not-found', `no device ${JSON.stringify(id)}`);
      return json(res, 200, detail);
    }
    if (path === '/api/findings') return json(res, 200, { findings: ctx.store.findings(findingFilter(p)) });
    if (path === '/api/agents') return json(res, 200, { agents: ctx.store.agents(ctx.connected()) });
    if (path === '/api/export/devices.csv') {
      return send(res, 200, devicesToCsv(ctx.store.devices(deviceFilter(p))), 'text/csv; charset=utf-8', { 'Content-Disposition': 'attachment; filename="devices.csv"' });
    }
    if (path === '/api/export/cyclonedx.json') {
      const bom = devicesToCycloneDx(ctx.store.devices(deviceFilter(p)), { collectorVersion: ctx.collectorVersion, timestamp: new Date().toISOString() });
      return send(res, 200, JSON.stringify(bom, null, 2), 'application/vnd.cyclonedx+json; version=1.6; charset=utf-8', {
        'Content-Disposition': 'attachment; filename="devices.cdx.json"',
      });
    }
    if (path === '/api/stream') return ctx.sse.attach(req, res);
    throw new ApiError(404, 'not-found', `no API route ${path}`);
  } catch (err) {
    if (err instanceof ApiError) return json(res, err.status, { error: { code: err.code, message: err.message } });
    if (!res.headersSent) json(res, 500, { error: { code: 'internal', message: (err as Error).message } });
    else res.destroy();
  }
}
