#!/usr/bin/env node
// Launcher: auscult ships TypeScript sources and runs them through tsx, so
// there is no build step between a checkout and a working command.
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli/main.ts');
