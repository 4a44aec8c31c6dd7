/**
 * Headless Chromium for the dashboard tests: Debian's `chromium` driven by
 * playwright-core (never a downloaded browser build), a fresh profile per
 * launch, no network but the collector on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.AUSCULT_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A browser at 1280x800 that accepts the collector's self-signed certificate. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'auscult-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    ignoreHTTPSErrors: true,
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  return {
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** GET a JSON document from the collector, trusting its certificate. */
export function getJson<T>(base: string, path: string, ca: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { ca, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${path}: timed out`)));
    req.end();
  });
}
