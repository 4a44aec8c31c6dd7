// Bundles the command line's commands into one file: agent/cli/commands.ts
// with everything `auscult inventory` loads (capture, pipeline, protocols,
// inventory, rules) becomes OUT/agent/cli/commands.js, over tsc's output.
// Node then loads one module instead of about ninety, which takes 30-45 ms
// off every run on the 2-core reference machine (README, Benchmarks). The
// launcher OUT/agent/cli/main.js stays tsc's small module (it starts the
// capture worker first, capture/early.ts), and so do the other commands,
// loaded when they run, agent/errors.js, shared by both sides, and the rule
// packs (OUT/rules/packs). The capture worker gets a bundle of its own
// (OUT/agent/capture/worker.cjs, below).
//
// Usage: node scripts/bundle-cli.mjs [OUT]   (default: dist; run after tsc)
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist'));
const outfile = join(out, 'agent', 'cli', 'commands.js');

const ERRORS = join(root, 'agent', 'errors.js');

/**
 * Imports left as imports of the tsc output, by importing file: the other
 * commands, and the knowledge base that only `inventory --kb` loads.
 * Each path is relative, and resolves the same from dist/agent/cli/ as from
 * the importer's own folder (both sit two levels below dist/).
 */
const SEPARATE = {
  [join('agent', 'cli', 'commands.ts')]: [
    './agent-command.js',
    './collector-command.js',
    './correlate-command.js',
    './demo-command.js',
    './kb-command.js',
    './scan-command.js',
    './active-options.js',
  ],
  [join('agent', 'cli', 'inventory-command.ts')]: ['../kb/load-kb.js'],
};

await build({
  entryPoints: [join(root, 'agent', 'cli', 'commands.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // npm packages (pcap, dicom-parser, oui-data, yargs, ...) load from node_modules as usual.
  packages: 'external',
  logLevel: 'warning',
  plugins: [
    {
      name: 'separate-commands',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\/[a-z/-]+\.js$/ }, (args) => {
          for (const [importer, paths] of Object.entries(SEPARATE)) {
            if (args.importer.endsWith(importer) && paths.includes(args.path)) return { path: args.path, external: true };
          }
          // One AuscultError class for the bundle and the separate modules, or
          // commands.ts would not recognise (instanceof) an error a separate command throws.
          if (resolve(dirname(args.importer), args.path) === ERRORS) return { path: '../errors.js', external: true };
          return undefined;
        });
      },
    },
  ],
});
// The capture worker as one CommonJS file beside tsc's worker.js, which
// worker-thread.ts prefers: a CommonJS worker skips the ES module loader's
// start in its thread, and one file replaces five; its first batch comes
// 10-15 ms sooner. import.meta.url (pcap-binding.ts's createRequire) becomes
// the file's own URL.
await build({
  entryPoints: [join(root, 'agent', 'capture', 'worker.ts')],
  outfile: join(out, 'agent', 'capture', 'worker.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
chmodSync(join(out, 'agent', 'cli', 'main.js'), 0o755);
