/**
 * e2e/electron/binary.ts: deciding whether the Electron e2e can run, without
 * require('electron') (which would try to download the binary). Real child
 * processes stand in for the binary: one that answers --version, one that
 * fails, one that hangs.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronBinary } from '../e2e/electron/binary';
import { tempDir } from './helpers';

const dirs: (() => void)[] = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

function project(opts: { pkg?: boolean; pathTxt?: string; script?: string } = {}): string {
  const t = tempDir('baton-electron-bin-');
  dirs.push(t.cleanup);
  const pkgDir = join(t.dir, 'node_modules', 'electron');
  mkdirSync(join(pkgDir, 'dist'), { recursive: true });
  if (opts.pkg !== false) writeFileSync(join(pkgDir, 'package.json'), '{"name":"electron","version":"45.4.1"}');
  if (opts.pathTxt !== undefined) writeFileSync(join(pkgDir, 'path.txt'), opts.pathTxt);
  if (opts.script !== undefined) {
    const exe = join(pkgDir, 'dist', 'electron');
    writeFileSync(exe, `#!/bin/sh\n${opts.script}\n`);
    chmodSync(exe, 0o755);
  }
  return t.dir;
}

describe('electronBinary', () => {
  it('explains each way the binary can be missing', () => {
    expect(electronBinary(project({ pkg: false }), {})).toEqual({ ok: false, reason: expect.stringContaining('not installed') });
    expect(electronBinary(project(), {})).toEqual({ ok: false, reason: expect.stringContaining('path.txt is missing') });
    expect(electronBinary(project({ pathTxt: 'electron' }), {})).toEqual({ ok: false, reason: expect.stringContaining('does not exist') });
  });

  it('accepts a binary that answers --version', () => {
    const root = project({ pathTxt: 'electron', script: 'echo v45.4.1' });
    expect(electronBinary(root, {})).toEqual({ ok: true, path: join(root, 'node_modules', 'electron', 'dist', 'electron'), version: 'v45.4.1' });
  });

  it('refuses a binary that fails or hangs', () => {
    expect(electronBinary(project({ pathTxt: 'electron', script: 'echo "libgtk-3.so.0: cannot open shared object file" >&2; exit 127' }), {})).toEqual({
      ok: false,
      reason: expect.stringContaining('libgtk-3.so.0'),
    });
    const started = Date.now();
    const hung = electronBinary(project({ pathTxt: 'electron', script: 'exec sleep 30' }), {}, 300);
    expect(hung.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('follows ELECTRON_OVERRIDE_DIST_PATH like electron/index.js does', () => {
    const root = project({ pathTxt: 'electron', script: 'echo v45.4.1' });
    expect(electronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'node_modules', 'electron', 'dist') }).ok).toBe(true);
    expect(electronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent' }).ok).toBe(false);
  });
});
