/**
 * scripts/electron-native.mjs: the decisions (rebuild or not, node-gyp's
 * command line and environment, what a failure means) and a real run of
 * node-gyp against a local headers "mirror" that answers 404, which must fail
 * with a clear message and leave node_modules/better-sqlite3 untouched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

interface Target {
  electron: string;
  abi: string | null;
  betterSqlite3: string;
  platform: string;
  arch: string;
}
interface NativeScript {
  OUT_DIR_NAME: string;
  readTarget(root?: string, arch?: string, platform?: string): Target;
  needsRebuild(o: { stamp: unknown; target: Target; binaryExists: boolean; force?: boolean }): { rebuild: boolean; reason: string };
  nodeGypArgs(target: Target, distUrl?: string): string[];
  childEnv(env: Record<string, string | undefined>): Record<string, string | undefined>;
  explainFailure(output: string, o?: { distUrl?: string; target?: Target }): string;
  buildNative(o: { outDir?: string; distUrl?: string; log?: (l: string) => void; force?: boolean }): Promise<{ built: boolean; file: string; reason: string }>;
}

const ROOT = resolve(__dirname, '..');
const script = pathToFileURL(join(ROOT, 'scripts', 'electron-native.mjs')).href;
let m: NativeScript;
beforeAll(async () => {
  m = (await import(/* @vite-ignore */ script)) as NativeScript;
});

const target: Target = { electron: '45.4.1', abi: '140', betterSqlite3: '12.11.1', platform: 'linux', arch: 'x64' };

describe('needsRebuild', () => {
  it('builds when there is no addon, no stamp, or --force', () => {
    expect(m.needsRebuild({ stamp: { ...target }, target, binaryExists: false })).toMatchObject({ rebuild: true, reason: expect.stringContaining('no .electron-native/better_sqlite3.node') });
    expect(m.needsRebuild({ stamp: null, target, binaryExists: true })).toMatchObject({ rebuild: true, reason: expect.stringContaining('stamp.json') });
    expect(m.needsRebuild({ stamp: { ...target }, target, binaryExists: true, force: true }).rebuild).toBe(true);
  });

  it('rebuilds when Electron, better-sqlite3, platform or arch changed, naming what changed', () => {
    expect(m.needsRebuild({ stamp: { ...target, electron: '44.0.0' }, target, binaryExists: true })).toEqual({ rebuild: true, reason: 'electron changed (44.0.0 -> 45.4.1)' });
    expect(m.needsRebuild({ stamp: { ...target, betterSqlite3: '12.0.0' }, target, binaryExists: true }).reason).toContain('betterSqlite3');
    expect(m.needsRebuild({ stamp: { ...target, arch: 'arm64' }, target, binaryExists: true }).reason).toBe('arch changed (arm64 -> x64)');
    expect(m.needsRebuild({ stamp: { ...target, platform: 'darwin' }, target, binaryExists: true }).rebuild).toBe(true);
  });

  it('skips when the stamp matches', () => {
    expect(m.needsRebuild({ stamp: { ...target, builtAt: 'x' }, target, binaryExists: true })).toMatchObject({ rebuild: false, reason: expect.stringContaining('up to date for Electron 45.4.1') });
  });
});

describe('node-gyp invocation', () => {
  it('targets the installed Electron and its headers', () => {
    const t = m.readTarget(ROOT);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
    expect(t.electron).toBe(pkg.version);
    expect(t.abi).toMatch(/^\d+$/);
    expect(t.abi).not.toBe(process.versions.modules);
    expect(m.nodeGypArgs(t)).toEqual(['rebuild', '--release', `--target=${pkg.version}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers']);
  });

  it('never lets a nodedir setting make it build against Node headers', () => {
    const env = m.childEnv({ PATH: '/bin', npm_config_nodedir: '/usr', NPM_CONFIG_NODEDIR: '/usr', npm_config_target: '20.0.0', npm_config_devdir: '/cache' });
    expect(env).toEqual({ PATH: '/bin', npm_config_devdir: '/cache', npm_config_loglevel: 'info', npm_config_runtime: 'electron', npm_config_build_from_source: 'true' });
  });

  it('keeps node-gyp talking under `npm run --silent` (npm_config_loglevel=silent would leave nothing to explain)', () => {
    expect(m.childEnv({ npm_config_loglevel: 'silent', NPM_CONFIG_LOGLEVEL: 'silent' })).toEqual({ npm_config_loglevel: 'info', npm_config_runtime: 'electron', npm_config_build_from_source: 'true' });
  });

  it('says what to do for a download failure, a missing toolchain, or anything else', () => {
    const download = [
      'gyp info find Python using Python version 3.11.7 found at "/usr/bin/python3"',
      'gyp http GET https://electronjs.org/headers/v45.4.1/node-v45.4.1-headers.tar.gz',
      'gyp WARN install got an error, rolling back install',
      'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and',
      'gyp ERR! stack is related to network connectivity.',
    ].join('\n');
    const msg = m.explainFailure(download, { distUrl: 'https://electronjs.org/headers', target });
    expect(msg).toContain("Could not download Electron's headers for Electron 45.4.1 from https://electronjs.org/headers");
    expect(msg).toContain('BATON_ELECTRON_DIST_URL');
    expect(msg).toContain('node_modules/better-sqlite3 was not changed');
    expect(m.explainFailure('gyp ERR! stack Error: not found: make', { target })).toContain('C++ toolchain');
    expect(m.explainFailure('gyp info find Python ok\nsome compiler error: foo.cpp:1', { target })).toMatch(/could not build better-sqlite3 for Electron 45\.4\.1[\s\S]*foo\.cpp:1/);
  });
});

describe('a real node-gyp run against an unreachable headers mirror', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404).end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

  it('fails with the download message, writes nothing, leaves node_modules/better-sqlite3 alone', async () => {
    const nodeBuild = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const before = existsSync(nodeBuild) ? sha(nodeBuild) : null;
    const tmpBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('baton-electron-native-')).length;
    const out = tempDir('baton-native-out-');
    const devdir = tempDir('baton-gyp-devdir-');
    const savedDevdir = process.env.npm_config_devdir;
    const savedLoglevel = process.env.npm_config_loglevel;
    process.env.npm_config_devdir = devdir.dir;
    // As under `npm run --silent test:unit` (how `npm test` runs this file).
    process.env.npm_config_loglevel = 'silent';
    try {
      const outDir = join(out.dir, '.electron-native');
      const lines: string[] = [];
      const err = await m.buildNative({ outDir, distUrl: url, log: (l) => lines.push(l) }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(`Could not download Electron's headers for Electron ${m.readTarget(ROOT).electron} from ${url}`);
      expect(lines[0]).toMatch(/building better-sqlite3 .* for Electron/);
      expect(requests.some((r) => r.endsWith('-headers.tar.gz'))).toBe(true);
      expect(existsSync(join(outDir, 'better_sqlite3.node'))).toBe(false);
      expect(existsSync(join(outDir, 'stamp.json'))).toBe(false);
      if (before) expect(sha(nodeBuild)).toBe(before);
      // The temp copy is cleaned up.
      expect(readdirSync(tmpdir()).filter((n) => n.startsWith('baton-electron-native-')).length).toBeLessThanOrEqual(tmpBefore);
    } finally {
      if (savedDevdir === undefined) delete process.env.npm_config_devdir;
      else process.env.npm_config_devdir = savedDevdir;
      if (savedLoglevel === undefined) delete process.env.npm_config_loglevel;
      else process.env.npm_config_loglevel = savedLoglevel;
      out.cleanup();
      devdir.cleanup();
    }
  }, 60_000);

  it('does nothing when the stamp matches the installed Electron (no network needed)', async () => {
    const out = tempDir('baton-native-out-');
    try {
      const outDir = join(out.dir, '.electron-native');
      mkdirSync(outDir);
      writeFileSync(join(outDir, 'better_sqlite3.node'), 'placeholder');
      writeFileSync(join(outDir, 'stamp.json'), JSON.stringify(m.readTarget(ROOT)));
      const before = requests.length;
      const r = await m.buildNative({ outDir, distUrl: url, log: () => {} });
      expect(r.built).toBe(false);
      expect(requests.length).toBe(before);
    } finally {
      out.cleanup();
    }
  });
});
