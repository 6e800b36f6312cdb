#!/usr/bin/env node
// The `baton` command: runs the built CLI (out/main/cli.js). Build with `npm run build`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('baton: the app is not built yet. Run `npm run build` (or `npm run serve`) first.\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
