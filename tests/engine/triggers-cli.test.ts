import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const tmp = tempDir('baton-triggers-cli-');
const APP = join(tmp.dir, 'app');
const DATA = join(tmp.dir, 'data');
/** Built at runtime so no secret-looking literal sits in the repo. */
const HOOK_VALUE = ['hook', 'value', String(Date.now())].join('-');

function baton(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(APP, 'bin', 'baton.js'), '--data', DATA, ...args], {
    cwd: APP,
    encoding: 'utf8',
    env: { ...process.env, BATON_SECRETS: 'env', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  // A private copy of the built app: others rebuild out/ in the shared checkout.
  const copy = `mkdir -p "${APP}" && cp -r bin out resources package.json "${APP}/" && ln -s "${ROOT}/node_modules" "${APP}/node_modules"`;
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', process.env.BATON_TEST_SKIP_BUILD ? copy : `npx electron-vite build && ${copy}`], { cwd: ROOT, stdio: 'pipe' });
}, 180_000);
afterAll(() => tmp.cleanup());

describe('baton hooks / schedule (built CLI)', () => {
  // About ten CLI processes in a row: allow for a loaded machine.
  it('lists webhooks without ever printing a secret, and explains where the secret goes on a headless machine', { timeout: 180_000 }, () => {
    // The template waits for its secret: installed disabled, refused enabled until the secret is there.
    expect(baton(['templates', 'install', 'webhook-intake']).code).toBe(0);
    const missing = baton(['--json', 'hooks', 'list']);
    expect(missing.code).toBe(0);
    expect(JSON.parse(missing.out).hooks).toEqual([
      {
        slug: 'intake',
        workflowId: 'webhook-intake',
        enabled: false,
        path: '/hooks/intake',
        auth: { type: 'baton' },
        secretName: 'HOOK_INTAKE',
        hasSecret: false,
        secrets: [{ name: 'HOOK_INTAKE', role: 'signing', set: false }],
      },
    ]);
    expect(baton(['hooks', 'list']).out).toMatch(/MISSING \(baton hooks secret intake\)/);
    const refused = baton(['templates', 'install', 'webhook-intake', '--enable']);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/webhook-intake needs The secret callers of \/hooks\/intake sign their requests with: .*npx baton hooks secret intake/);
    expect(baton(['templates', 'list']).out).toMatch(/webhook-intake +waits/);
    const set = baton(['--json', 'hooks', 'list'], { BATON_SECRET_HOOK_INTAKE: HOOK_VALUE });
    expect(JSON.parse(set.out).hooks[0].hasSecret).toBe(true);
    expect(set.out + set.err).not.toContain(HOOK_VALUE);
    const on = baton(['templates', 'install', 'webhook-intake', '--enable'], { BATON_SECRET_HOOK_INTAKE: HOOK_VALUE });
    expect(on.code).toBe(0);
    expect(on.out).toMatch(/Installed webhook-intake \(version 1, enabled\)/);
    expect(on.out + on.err).not.toContain(HOOK_VALUE);
    const rotate = baton(['hooks', 'secret', 'intake']);
    expect(rotate.code).toBe(1);
    expect(rotate.err).toMatch(/BATON_SECRET_HOOK_INTAKE/);
    const unknown = baton(['hooks', 'secret', 'nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/No webhook "nope"/);
  });

  it('shows schedule fires (none yet) as JSON and text', () => {
    // Installed in the operator's time zone (email.timeZone).
    expect(baton(['settings', 'set', 'email.timeZone', 'Europe/Paris']).code).toBe(0);
    expect(baton(['templates', 'install', 'daily-report', '--enable']).code).toBe(0);
    expect(JSON.parse(baton(['--json', 'schedule', 'fires']).out)).toEqual({ fires: [] });
    expect(baton(['schedule', 'fires', 'daily-report']).out).toMatch(/No schedule fires yet/);
    const list = JSON.parse(baton(['--json', 'workflow', 'list']).out) as { workflows: { id: string; nextRun: string | null }[] };
    expect(list.workflows.find((w) => w.id === 'daily-report')?.nextRun).toMatch(/T0[67]:00:00\.000Z$/); // 08:00 Paris
  });
});
