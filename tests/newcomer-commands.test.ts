// Every command the docs, the UI and the server's output tell a person to run
// works as written from a fresh clone: `npx baton …` resolves to this package in
// its folder, each documented command and option exists, the token command that
// `baton serve` prints prints the token, and `npm run serve` builds only when the
// build is missing or stale.
import type { Command } from 'commander';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, splitRemoteArgs } from '../electron/cli/context';
import { buildProgram } from '../electron/cli/program';
import { VERSION } from '../electron/core/version';
import { copyBuiltApp, type BuiltApp } from './support/built-app';
import { tempDir } from './helpers';

const root = resolve(import.meta.dirname, '..');

function files(dir: string, re: RegExp): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, re) : re.test(n) ? [p] : [];
  });
}

/** `npx baton …` as written in the README, docs/, the UI and the server's output (up to the end of the code span or line). */
function documentedCommands(): { where: string; command: string }[] {
  const sourcesOfText = [join(root, 'README.md'), ...files(join(root, 'docs'), /\.md$/), ...files(join(root, 'renderer', 'src'), /\.tsx?$/), join(root, 'electron/cli/commands/serve.ts')];
  const out: { where: string; command: string }[] = [];
  for (const f of sourcesOfText) {
    // Code comments are not text a person is shown.
    const text = f.endsWith('.md') ? readFileSync(f, 'utf8') : readFileSync(f, 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n');
    for (const m of text.matchAll(/npx baton([^`\n<'"#)\\]*)/g)) out.push({ where: f.slice(root.length + 1), command: m[1]!.trim() });
  }
  return out;
}

const GLOBAL = new Set(['--data', '--json', '--help', '-h', '--version', '-V']);

/** Why `baton ARGS` would not run as written (an unknown command, subcommand or option), or null. */
function problemWith(program: Command, words: string[]): string | null {
  let cmd = program;
  const path: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      const name = w.split('=')[0]!;
      if (GLOBAL.has(name)) {
        if (name === '--data') i++; // its value
        continue;
      }
      const opt = cmd.options.find((o) => o.long === name || o.short === name);
      if (!opt) return `${['baton', ...path].join(' ')} has no option ${name}`;
      if (opt.required || opt.optional) i++;
      continue;
    }
    if (cmd.commands.length === 0 || w === '…') continue; // an argument of the command, or "any command"
    const names = w.split('|');
    const subs = names.map((n) => cmd.commands.find((c) => c.name() === n || c.aliases().includes(n)));
    if (subs.some((s) => !s)) {
      if (path.length > 0 && /^[A-Z…]|^[a-z]+_…$/.test(w)) continue; // a placeholder
      return `${['baton', ...path].join(' ')} has no command ${w} (it has ${cmd.commands.map((c) => c.name()).join(', ')})`;
    }
    cmd = subs[0]!;
    path.push(w);
  }
  return null;
}

describe('documented commands', () => {
  it('every `npx baton …` in the README, docs, UI and server output names commands and options that exist', () => {
    const program = buildProgram();
    const docs = documentedCommands();
    expect(docs.length).toBeGreaterThan(60);
    expect(docs.map((d) => d.where)).toEqual(expect.arrayContaining(['README.md', 'renderer/src/components/SignIn.tsx']));
    const wrong = docs
      .map((d) => ({ ...d, problem: problemWith(program, splitRemoteArgs(d.command.split(/\s+/).filter(Boolean)).argv) }))
      .filter((d) => d.problem)
      .map((d) => `${d.where}: npx baton ${d.command}: ${d.problem}`);
    expect(wrong).toEqual([]);
  });

  it('the checker catches a wrong command and a wrong option', () => {
    const program = buildProgram();
    expect(problemWith(program, ['contacts', 'imprt', 'x.csv'])).toMatch(/has no command imprt/);
    expect(problemWith(program, ['token', '--link'])).toMatch(/has no option --link/);
    expect(problemWith(program, ['settings', 'set', 'email.smtp.port', '587'])).toBeNull();
  });

  it('no doc, UI text or server output tells a person to run a bare `baton …` (not on the PATH after npm install)', () => {
    const bare = /(^|[\s(`|>])baton (serve|token|doctor|restore|backup|secrets|settings|workflow|run start|contacts|events add|demo seed|templates)\b/;
    const hits: string[] = [];
    for (const f of [join(root, 'README.md'), ...files(join(root, 'docs'), /\.md$/), join(root, 'renderer/src/components/SignIn.tsx'), join(root, 'renderer/src/api/errors.ts'), join(root, 'renderer/src/api/client.ts')]) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (bare.test(line.replaceAll('npx baton', 'npx-baton'))) hits.push(`${f.slice(root.length + 1)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});

describe('the command `baton serve` prints for the token', () => {
  it('is `npx baton` in the Baton folder, `baton` when on the PATH, node with the full path elsewhere; --data when not the default', () => {
    const proj = '/home/me/baton';
    expect(cliCommand({ argv1: `${proj}/bin/baton.js`, cwd: proj, root: proj })).toBe('npx baton');
    expect(cliCommand({ argv1: `${proj}/bin/baton.js`, cwd: `${proj}/docs`, root: proj })).toBe('npx baton');
    expect(cliCommand({ argv1: '/usr/local/bin/baton', cwd: '/tmp', root: proj })).toBe('baton');
    expect(cliCommand({ argv1: `${proj}/bin/baton.js`, cwd: '/tmp', root: proj })).toBe(`node ${proj}/bin/baton.js`);
    expect(cliCommand({ argv1: '/opt/my apps/baton/bin/baton.js', cwd: '/tmp', root: '/opt/my apps/baton' })).toBe('node "/opt/my apps/baton/bin/baton.js"');
    expect(cliCommand({ argv1: `${proj}/bin/baton.js`, cwd: proj, root: proj, dataDir: '/srv/baton-data' })).toBe('npx baton --data /srv/baton-data');
  });
});

describe('from a fresh copy of the built app', () => {
  let app: BuiltApp;
  const tmp = tempDir('baton-newcomer-');
  beforeAll(() => {
    app = copyBuiltApp('newcomer');
  }, 180_000);
  afterAll(() => {
    app?.remove();
    tmp.cleanup();
  });
  const env = () => {
    const e: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_') && !k.startsWith('npm_')) e[k] = v;
    return { ...e, BATON_SECRETS: 'env', npm_config_offline: 'true', npm_config_update_notifier: 'false' };
  };

  it('`npx baton --version` in its folder runs this package (not npm, not a registry package)', () => {
    const r = spawnSync('npx', ['baton', '--version'], { cwd: app.dir, env: env(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${VERSION}\n`);
  }, 60_000);

  it('the token command printed by `baton serve --data DIR` prints the token when run as written', async () => {
    const data = join(tmp.dir, 'data');
    const child = spawn(process.execPath, [app.bin, 'serve', '--port', '0', '--data', data], { cwd: app.dir, env: env() });
    try {
      const out = await new Promise<string>((res, rej) => {
        let text = '';
        child.stdout.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('Stop with')) res(text);
        });
        child.on('exit', (code) => rej(new Error(`serve exited ${code}`)));
      });
      const m = /show it with `([^`]+)`; `([^`]+)` prints a login link/.exec(out);
      expect(m, out).not.toBeNull();
      expect(m![1]).toBe(`npx baton --data ${data} token`);
      const token = readFileSync(join(data, 'server-token'), 'utf8').trim();
      const shown = spawnSync('sh', ['-c', m![1]!], { cwd: app.dir, env: env(), encoding: 'utf8' });
      expect(shown.stdout.trim()).toBe(token);
      const url = spawnSync('sh', ['-c', m![2]!], { cwd: app.dir, env: env(), encoding: 'utf8' });
      expect(url.stdout.trim()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/#token=${token}$`));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);
});

describe('npm run serve builds only when needed (scripts/build-if-stale.mjs)', () => {
  const tmp = tempDir('baton-stale-');
  afterAll(() => tmp.cleanup());
  const OUT = ['out/main/cli.js', 'out/main/index.js', 'out/main/jobs/dispatcher.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
  const check = () => spawnSync(process.execPath, [join(root, 'scripts/build-if-stale.mjs'), '--check', '--root', tmp.dir], { encoding: 'utf8' });
  const put = (rel: string, atSec: number) => {
    const p = join(tmp.dir, rel);
    mkdirSync(resolve(p, '..'), { recursive: true });
    writeFileSync(p, 'x');
    utimesSync(p, atSec, atSec);
  };

  it('missing build: stale; outputs newer than every source: up to date; a source edited after: stale, naming it', () => {
    put('electron/core/a.ts', 1000);
    put('renderer/src/b.tsx', 1000);
    put('package.json', 1000);
    let r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('The build in out/ is stale: out/main/cli.js is missing.\n');
    for (const o of OUT) put(o, 2000);
    r = check();
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('The build in out/ is up to date.\n');
    put('shared/contract/c.ts', 3000);
    r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('The build in out/ is stale: shared/contract/c.ts changed after the last build.\n');
  });

  it('stale: it starts the real electron-vite build (found through the package, whose exports hide bin/)', () => {
    const dir = join(tmp.dir, 'project');
    mkdirSync(dir);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), '{"name":"stale-project"}');
    // No build config here: electron-vite itself starts and says what is missing.
    const r = spawnSync(process.execPath, [join(root, 'scripts/build-if-stale.mjs'), '--root', dir], { encoding: 'utf8' });
    expect(r.stderr).toContain('Building the app (out/main/cli.js is missing)');
    expect(r.stderr).not.toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(r.stderr).toMatch(/entry point is required in the electron vite main config/);
    expect(r.status).not.toBe(0);
  }, 120_000);

  it('package.json runs it before serve and start', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.serve).toBe('node scripts/build-if-stale.mjs && node bin/baton.js serve');
    expect(scripts.start).toMatch(/^node scripts\/build-if-stale\.mjs && /);
  });
});
