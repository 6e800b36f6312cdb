/**
 * The per-contact frequency cap is `email.frequencyCap` e-mails in any `email.frequencyCapDays`
 * rolling days, and everything that shows it says so (never "per day" when the period is a week):
 * `email.status` gives the cap with its period and action, `baton email status` (the built CLI, a
 * child process) prints it; sequences.enrollSegment counts the contacts over the cap in that period
 * and `baton sequences enroll-segment` names it. Real core, real SQLite, real SMTP server.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { enrollSegmentLines } from '../../electron/cli/commands/sequences';
import { tempDir } from '../helpers';
import { salesRig, type SalesRig } from './rig';

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'baton.js');
let rig: SalesRig | null = null;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const c of cleanups.splice(0)) await c();
});

async function baton(...args: string[]) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...env, BATON_SECRETS: 'env' } });
}

describe('the per-contact frequency cap, in words', () => {
  it('email.status and `baton email status` give the cap with its period', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await baton('settings', 'set', 'email.frequencyCap', '2', '--data', dir);
    await baton('settings', 'set', 'email.frequencyCapDays', '7', '--data', dir);
    const json = JSON.parse((await baton('email', 'status', '--json', '--data', dir)).stdout) as { frequencyCap: unknown };
    expect(json.frequencyCap).toEqual({ max: 2, days: 7, action: 'wait' });
    const text = (await baton('email', 'status', '--data', dir)).stdout;
    expect(text).toContain('Frequency cap: 2 automated e-mails per contact in any 7 days (email.frequencyCap, email.frequencyCapDays); over it: wait');
    expect(text).not.toMatch(/per day/);
    await baton('settings', 'set', 'email.frequencyCapDays', '1', '--data', dir);
    await baton('settings', 'set', 'email.frequencyCap', '1', '--data', dir);
    await baton('settings', 'set', 'email.frequencyCapAction', 'drop', '--data', dir);
    expect((await baton('email', 'status', '--data', dir)).stdout).toContain('Frequency cap: 1 automated e-mail per contact in any 24 hours (email.frequencyCap, email.frequencyCapDays); over it: dropped');
  }, 120_000);

  it('enrolling a segment counts the contacts over the cap in its period, and says the period', async () => {
    rig = await salesRig({ settings: { 'email.frequencyCap': 1, 'email.frequencyCapDays': 7 } });
    const { core, smtp, clock } = rig;
    const ann = await rig.contact('ann@cap.test', { firstName: 'Ann', tags: ['beta'] });
    await rig.contact('ben@cap.test', { firstName: 'Ben', tags: ['beta'] });
    const seg = await core.call('segments.save', { name: 'Beta', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'beta' }] } });
    const window = { start: '00:00', end: '23:59', weekdaysOnly: false };
    await core.call('sequences.save', { id: 'intro', name: 'Intro', steps: [{ type: 'email', subject: 'Intro', text: 'Hi' }], window });
    await core.call('sequences.save', { id: 'welcome', name: 'Welcome', steps: [{ type: 'email', subject: 'Welcome', text: 'Hi' }], window });
    // Ann got an e-mail; three days later she is still over a cap of 1 per 7 days (not over 1 per day).
    await core.call('sequences.enroll', { sequenceId: 'intro', contactIds: [ann] });
    await core.call('sequences.tick', {});
    await smtp.waitFor(1);
    clock.now += 3 * 86_400_000;
    const r = await core.call('sequences.enrollSegment', { sequenceId: 'welcome', segmentId: seg.id, dryRun: true });
    expect(r).toMatchObject({ enrolled: 2, capped: 1, perContactCap: 1, perContactCapDays: 7 });
    expect(enrollSegmentLines(r)).toEqual(['Would enroll 2 of 2 contacts of "Beta" in "Welcome".', '1 wait for the per-contact cap (1 e-mail per contact in any 7 days).']);
  }, 120_000);
});
