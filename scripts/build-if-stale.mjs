#!/usr/bin/env node
// Build the app (electron-vite build) only when out/ is missing or older than the
// sources it is built from, so `npm run serve` starts at once when nothing changed.
//
//   node scripts/build-if-stale.mjs            build when stale
//   node scripts/build-if-stale.mjs --check    only say whether it is stale (exit 1 when it is)
//   --root DIR                                 the project folder (default: this script's parent)
//
// Stale means: an output the hosts load is missing, or a source file (electron/,
// shared/, renderer/, the build config, package.json, package-lock.json) was
// changed after the oldest of those outputs was written.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootArg = args.indexOf('--root');
const root = rootArg >= 0 ? resolve(args[rootArg + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What the hosts load: the CLI and server, the Bree job, the preload and the web UI. */
const OUTPUTS = ['out/main/cli.js', 'out/main/index.js', 'out/main/jobs/dispatcher.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const SOURCE_DIRS = ['electron', 'shared', 'renderer'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'electron.vite.config.ts', 'tsconfig.json', 'tsconfig.node.json', 'tsconfig.web.json'];

/** The newest file under dir: [mtimeMs, path]. */
function newest(dir) {
  let best = [0, ''];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    const cand = e.isDirectory() ? newest(p) : [statSync(p).mtimeMs, p];
    if (cand[0] > best[0]) best = cand;
  }
  return best;
}

function staleReason() {
  const missing = OUTPUTS.find((o) => !existsSync(join(root, o)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((o) => statSync(join(root, o)).mtimeMs));
  let src = [0, ''];
  for (const d of SOURCE_DIRS) if (existsSync(join(root, d))) {
    const n = newest(join(root, d));
    if (n[0] > src[0]) src = n;
  }
  for (const f of SOURCE_FILES) if (existsSync(join(root, f))) {
    const m = statSync(join(root, f)).mtimeMs;
    if (m > src[0]) src = [m, join(root, f)];
  }
  return src[0] > built ? `${relative(root, src[1])} changed after the last build` : null;
}

const reason = staleReason();
if (!reason) {
  process.stderr.write('The build in out/ is up to date.\n');
  process.exit(0);
}
if (check) {
  process.stderr.write(`The build in out/ is stale: ${reason}.\n`);
  process.exit(1);
}
process.stderr.write(`Building the app (${reason})…\n`);
// electron-vite's exports allow only its package.json, not bin/: take the bin path from it.
const pkg = createRequire(join(root, 'package.json')).resolve('electron-vite/package.json');
const { bin: bins } = JSON.parse(readFileSync(pkg, 'utf8'));
const bin = join(dirname(pkg), typeof bins === 'string' ? bins : bins['electron-vite']);
const r = spawnSync(process.execPath, [bin, 'build'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
