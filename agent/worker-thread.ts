/**
 * Starting a worker thread from a module next to the caller, from the
 * compiled build (`name.js`) or from source (`name.ts`, under tap or
 * `tsx agent/cli/main.ts`). On Node 20, tsx's --import registers its hooks
 * in the main thread only, so from source a small JS bootstrap registers
 * tsx through its API first and then imports the .ts module.
 */
import { existsSync } from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `callerUrl` is the caller's import.meta.url; `name` the worker module's file name without extension. */
export function startModuleWorker(callerUrl: string, name: string, opts: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) {
    // The build may add a one-file CommonJS bundle of a worker beside it
    // (scripts/bundle-cli.mjs): it starts sooner, so it is preferred.
    const bundled = new URL(`./${name}.cjs`, callerUrl);
    return new Worker(existsSync(bundled) ? bundled : new URL(`./${name}.js`, callerUrl), opts);
  }
  const workerUrl = new URL(`./${name}.ts`, callerUrl).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl)}); })` +
    `.catch((err) => { process.nextTick(() => { throw err; }); });`;
  return new Worker(bootstrap, { ...opts, eval: true });
}
