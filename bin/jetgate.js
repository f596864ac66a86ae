#!/usr/bin/env node
// Entry point of the `jetgate` command; the code lives in dist/ after `make build`.
import { existsSync } from 'node:fs';
const cli = new URL('../dist/gateway/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('jetgate: not built yet. Run `make build` (or `make dev`) in the jetgate folder first.');
  process.exit(1);
}
await import(cli.href);
