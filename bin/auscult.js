#!/usr/bin/env -S node --v8-pool-size=1
// Launcher: auscult ships TypeScript sources and runs them through tsx, so
// there is no build step between a checkout and a working command.
//
// One V8 background thread (--v8-pool-size=1, the same line as
// agent/cli/main.ts): auscult's own two threads (capture and pipeline) are
// the work; with Node's default four, optimising compiles and parallel
// scavenge helpers compete with them for a small appliance's cores. On the
// 2-core reference machine a 300 MiB capture takes about 10% less time and
// 7% less CPU (README, Benchmark).
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli/main.ts');
