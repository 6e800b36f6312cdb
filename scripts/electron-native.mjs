#!/usr/bin/env node
/**
 * Build better-sqlite3 for Electron's ABI into .electron-native/better_sqlite3.node
 * without touching node_modules/better-sqlite3 (whose Node build `npm test`,
 * the CLI and `baton serve` use). The desktop app passes the result to
 * `new Database(file, { nativeBinding })`; electron-builder ships it as
 * resources/native/ (see electron-builder.yml and docs/desktop.md).
 *
 * How: copy the package's sources to a temp folder and run node-gyp there
 * against Electron's headers (--target=<installed electron> --dist-url=…).
 * Skips when .electron-native/stamp.json says the build matches the installed
 * Electron, better-sqlite3, platform and arch. Run by `npm start`, `npm run dev`
 * and `npm run dist`; never by postinstall (it needs to download Electron's
 * headers, which `npm install` must not depend on).
 *
 * Usage: node scripts/electron-native.mjs [--force] [--arch x64|arm64|ia32]
 * Env:   BATON_ELECTRON_DIST_URL (headers mirror), BATON_SKIP_ELECTRON_NATIVE=1 (skip),
 *        npm_config_devdir (node-gyp's header cache).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const OUT_DIR_NAME = '.electron-native';
export const ADDON = 'better_sqlite3.node';
export const STAMP = 'stamp.json';
export const DEFAULT_DIST_URL = 'https://electronjs.org/headers';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(here, '..');

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * What to build for: the installed Electron (version and ABI) and better-sqlite3.
 * Throws a clear error when either is not installed.
 */
export function readTarget(root = PROJECT_ROOT, arch = process.arch, platform = process.platform) {
  const electronDir = join(root, 'node_modules', 'electron');
  const sqliteDir = join(root, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(electronDir, 'package.json'))) throw new Error(`electron is not installed in ${root}/node_modules: run "npm install" first.`);
  if (!existsSync(join(sqliteDir, 'package.json'))) throw new Error(`better-sqlite3 is not installed in ${root}/node_modules: run "npm install" first.`);
  const abiFile = join(electronDir, 'abi_version');
  return {
    electron: readJson(join(electronDir, 'package.json')).version,
    abi: existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : null,
    betterSqlite3: readJson(join(sqliteDir, 'package.json')).version,
    platform,
    arch,
  };
}

/**
 * Whether .electron-native must be (re)built: no addon yet, no or unreadable
 * stamp, or the stamp was made for another Electron, better-sqlite3, platform
 * or arch. `reason` is printed.
 */
export function needsRebuild({ stamp, target, binaryExists, force = false }) {
  if (force) return { rebuild: true, reason: '--force given' };
  if (!binaryExists) return { rebuild: true, reason: `no ${OUT_DIR_NAME}/${ADDON} yet` };
  if (!stamp || typeof stamp !== 'object') return { rebuild: true, reason: `no readable ${OUT_DIR_NAME}/${STAMP}` };
  for (const key of ['electron', 'betterSqlite3', 'platform', 'arch']) {
    if (stamp[key] !== target[key]) {
      return { rebuild: true, reason: `${key} changed (${stamp[key] ?? 'unknown'} -> ${target[key]})` };
    }
  }
  return { rebuild: false, reason: `up to date for Electron ${target.electron} (${target.platform}-${target.arch}), better-sqlite3 ${target.betterSqlite3}` };
}

/** node-gyp's command line for an Electron build. */
export function nodeGypArgs(target, distUrl = DEFAULT_DIST_URL) {
  return ['rebuild', '--release', `--target=${target.electron}`, `--arch=${target.arch}`, `--dist-url=${distUrl}`];
}

/**
 * The environment for node-gyp: without any nodedir setting, which would make
 * it compile against the local Node's headers (a build that loads in Node and
 * not in Electron), with the runtime marked as Electron, and at node-gyp's own
 * log level: `npm run --silent` exports npm_config_loglevel=silent, which would
 * leave node-gyp's output empty and its failure unexplainable.
 */
export function childEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_config_(nodedir|target|arch|disturl|dist_url|runtime|loglevel)$/i.test(k)) continue;
    out[k] = v;
  }
  out.npm_config_loglevel = 'info';
  out.npm_config_runtime = 'electron';
  out.npm_config_build_from_source = 'true';
  return out;
}

/** Turn node-gyp's output into what the person should do. */
export function explainFailure(output, { distUrl = DEFAULT_DIST_URL, target } = {}) {
  const text = String(output ?? '');
  const version = target?.electron ?? 'the installed Electron';
  const errors = text.split('\n').filter((l) => l.startsWith('gyp ERR!')).join('\n');
  // node-gyp downloads the headers in its install step; any failure there is a download failure.
  const download =
    /gyp WARN install got an error|lib[\\/](download|install)\.js|network connectivity|behind a proxy/i.test(text) ||
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|fetch failed|getaddrinfo|certificate|self[- ]signed|status code 40[34]/i.test(errors);
  if (download) {
    return [
      `Could not download Electron's headers for Electron ${version} from ${distUrl}.`,
      'Building better-sqlite3 for Electron needs them once (node-gyp caches them afterwards).',
      'Fix: connect to the internet and run "node scripts/electron-native.mjs" again,',
      'or point BATON_ELECTRON_DIST_URL at a mirror with the same layout as https://electronjs.org/headers.',
      'node_modules/better-sqlite3 was not changed: npm test, the CLI and "baton serve" keep working.',
    ].join('\n');
  }
  if (/not found: make|make: not found|g\+\+: not found|c\+\+: not found|No Xcode|xcode-select|Could not find any Visual Studio|find Python|Python is not set/i.test(errors)) {
    return [
      'Building better-sqlite3 for Electron needs a C++ toolchain and Python:',
      '  Linux: apt-get install build-essential python3   macOS: xcode-select --install',
      '  Windows: Visual Studio Build Tools with "Desktop development with C++".',
    ].join('\n');
  }
  const tail = text.trim().split('\n').slice(-15).join('\n');
  return `node-gyp could not build better-sqlite3 for Electron ${version}. Its last output:\n${tail}`;
}

function findNodeGyp(root) {
  const require = createRequire(join(root, 'package.json'));
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    throw new Error('node-gyp is not installed: run "npm install" (it is a devDependency).');
  }
}

/**
 * Ask a Node process to load the addon: an Electron build must be refused with
 * "NODE_MODULE_VERSION <electron abi>". Returns null when that is so (or cannot
 * be judged), else the problem.
 */
export function abiProblem(file, target) {
  if (!target.abi || target.arch !== process.arch || target.platform !== process.platform) return null;
  const r = spawnSync(process.execPath, ['-e', 'try { process.dlopen({ exports: {} }, process.argv[1]); console.log("LOADED") } catch (e) { console.log(e.message) }', file], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const out = `${r.stdout ?? ''}`;
  if (out.includes(`NODE_MODULE_VERSION ${target.abi}`)) return null;
  if (out.includes('LOADED')) return `the result loads in Node ${process.version} (ABI ${process.versions.modules}), so it was built against Node's headers, not Electron's (ABI ${target.abi}).`;
  const m = /NODE_MODULE_VERSION (\d+)/.exec(out);
  if (m) return `the result was built for ABI ${m[1]}, Electron ${target.electron} needs ${target.abi}.`;
  return null;
}

function run(cmd, args, opts) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (d) => {
      output += d;
      if (opts.echo) process.stdout.write(d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => resolvePromise({ code: 1, output: output + String(e) }));
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/**
 * Build (or skip). Resolves with { built, file, reason }; rejects with an Error
 * whose message says what to do. Never writes into node_modules.
 */
export async function buildNative({
  root = PROJECT_ROOT,
  outDir = join(root, OUT_DIR_NAME),
  distUrl = process.env.BATON_ELECTRON_DIST_URL || DEFAULT_DIST_URL,
  arch = process.arch,
  force = false,
  echo = false,
  log = (line) => console.log(line),
} = {}) {
  const target = readTarget(root, arch);
  const file = join(outDir, ADDON);
  let stamp = null;
  try {
    stamp = readJson(join(outDir, STAMP));
  } catch {
    stamp = null;
  }
  const decision = needsRebuild({ stamp, target, binaryExists: existsSync(file), force });
  if (!decision.rebuild) {
    log(`electron-native: ${decision.reason}; nothing to do.`);
    return { built: false, file, reason: decision.reason };
  }
  log(`electron-native: building better-sqlite3 ${target.betterSqlite3} for Electron ${target.electron} (${target.platform}-${target.arch}): ${decision.reason}.`);
  const nodeGyp = findNodeGyp(root);
  const work = mkdtempSync(join(tmpdir(), 'baton-electron-native-'));
  try {
    const src = join(root, 'node_modules', 'better-sqlite3');
    const pkg = join(work, 'better-sqlite3');
    // Sources only: the Node build in build/ stays where it is and is not reused.
    cpSync(src, pkg, { recursive: true, filter: (p) => !/^(build|node_modules)([\\/]|$)/.test(relative(src, p)) });
    const started = Date.now();
    const r = await run(process.execPath, [nodeGyp, ...nodeGypArgs(target, distUrl)], { cwd: pkg, env: childEnv(process.env), echo });
    if (r.code !== 0) throw new Error(explainFailure(r.output, { distUrl, target }));
    const built = join(pkg, 'build', 'Release', ADDON);
    if (!existsSync(built)) throw new Error(`node-gyp finished but ${ADDON} is missing from its build/Release folder.`);
    const problem = abiProblem(built, target);
    if (problem) throw new Error(`The better-sqlite3 build is not usable in Electron: ${problem}`);
    mkdirSync(outDir, { recursive: true });
    // Replace atomically: a half-copied addon must never be picked up.
    copyFileSync(built, `${file}.tmp`);
    renameSync(`${file}.tmp`, file);
    writeFileSync(join(outDir, STAMP), JSON.stringify({ ...target, builtAt: new Date().toISOString() }, null, 2) + '\n');
    log(`electron-native: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s.`);
    return { built: true, file, reason: decision.reason };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(argv) {
  if (process.env.BATON_SKIP_ELECTRON_NATIVE === '1') {
    console.log('electron-native: skipped (BATON_SKIP_ELECTRON_NATIVE=1). The desktop app needs a better-sqlite3 build for Electron to open its store.');
    return 0;
  }
  const archIdx = argv.indexOf('--arch');
  const arch = archIdx >= 0 ? argv[archIdx + 1] : process.arch;
  if (!arch || !/^(x64|arm64|ia32|armv7l)$/.test(arch)) {
    console.error(`electron-native: --arch must be one of x64, arm64, ia32, armv7l (got ${arch ?? 'nothing'}).`);
    return 2;
  }
  try {
    await buildNative({ force: argv.includes('--force'), arch, echo: argv.includes('--verbose') });
    return 0;
  } catch (e) {
    console.error(`\nelectron-native: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
