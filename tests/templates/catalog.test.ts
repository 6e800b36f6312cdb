/**
 * The template catalog (templates.list / templates.install): every shipped
 * template validates once what it brings is there, none posts to a placeholder
 * host, each says what it needs and whether that is set up, install with
 * enable refuses one whose requirements are unmet (naming each and its fix,
 * writing nothing), install disabled brings its sequences, forms and segments
 * once and never overwrites the operator's own, and a template file given to
 * workflows.import is refused with the way to install it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { openTestCore } from '../helpers';

const DIR = join(__dirname, '../../resources/templates');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const raw = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown> & { template: { requires: string[] } };

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function core(env: Record<string, string> = {}) {
  const t = await openTestCore({ env });
  cleanup = t.cleanup;
  return t.core;
}

describe('the template catalog', () => {
  it('lists every shipped template with plain words, its requirements checked, and none reaches a placeholder host', async () => {
    const c = await core();
    const { templates } = await c.call('templates.list', {});
    expect(templates.map((t) => `${t.id}.json`)).toEqual(files);
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      expect(text, f).not.toMatch(/https?:\/\/[a-z0-9.-]*example\.(com|org|net)/);
      expect(text, f).not.toMatch(/"type":\s*"http\.request"/);
    }
    for (const t of templates) {
      expect(t.when, t.id).toMatch(/^(When|Every) /);
      expect(t.then, t.id).toMatch(/^Then /);
      expect(t.installed).toBe(false);
      expect(t.ready).toBe(t.requirements.every((r) => r.met));
      for (const r of t.requirements) expect(r.label.length && r.fix.length, `${t.id} ${r.id}`).toBeTruthy();
    }
    const byId = Object.fromEntries(templates.map((t) => [t.id, t]));
    // On a fresh install only what needs nothing outside Baton is ready.
    expect(templates.filter((t) => t.ready).map((t) => t.id)).toEqual(['daily-report', 'kpi-drop-alert']);
    expect(byId['crm-new-lead']).toMatchObject({ trigger: 'on form.submitted', when: 'When a visitor submits one of your forms' });
    expect(byId['crm-new-lead']!.requirements).toEqual([
      {
        id: 'smtp',
        label: 'SMTP settings and the SMTP password',
        met: false,
        fix: expect.stringMatching(/^Settings > E-mail \(missing: email\.smtp\.host and email\.from\), or npx baton settings set email\.smtp\.host/),
      },
      { id: 'sequence:nurture', label: 'The sequence "nurture" (installed with the template)', met: true, fix: expect.any(String) },
    ]);
    expect(byId['ai-content-to-social']!.requirements.map((r) => r.id)).toEqual(['anthropic', 'wordpress']);
    expect(byId['billing-dunning']!.requirements.map((r) => r.id)).toEqual(['stripe', 'smtp']);
    expect(byId['crm-sales-handoff']!.requirements.map((r) => r.id)).toEqual(['imap']);
    expect(byId['webhook-intake']).toMatchObject({ trigger: 'webhook /hooks/intake', requirements: [expect.objectContaining({ id: 'hook-secret:intake', met: false })] });
  });

  it('a requirement is met by the setting or secret it names (the SMTP password only when a user name is set)', async () => {
    const c = await core({ BATON_SECRET_SMTP_PASSWORD: 'pw-' + String(process.pid), BATON_SECRET_ANTHROPIC_API_KEY: 'k-' + String(process.pid) });
    const smtp = async () => (await c.call('templates.list', {})).templates.find((t) => t.id === 'crm-new-lead')!.requirements[0]!;
    await c.call('settings.set', { key: 'email.smtp.host', value: 'smtp.solo.test' });
    expect(await smtp()).toMatchObject({ met: false, fix: expect.stringContaining('(missing: email.from)') });
    await c.call('settings.set', { key: 'email.from', value: 'sam@solo.test' });
    expect((await smtp()).met).toBe(true);
    const seo = (await c.call('templates.list', {})).templates.find((t) => t.id === 'ai-seo-quick-wins')!;
    expect(seo).toMatchObject({ ready: true, requirements: [expect.objectContaining({ id: 'anthropic', met: true })] });
  });

  it('install with enable refuses a template whose requirements are unmet, naming each and its fix, and writes nothing; disabled it installs with what it brings', async () => {
    const c = await core();
    const e = (await c.call('templates.install', { ids: ['daily-report', 'crm-new-lead', 'crm-reengagement'], enable: true }).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/^Not installed: crm-new-lead needs SMTP settings and the SMTP password: Settings > E-mail/);
    expect(e.message).toContain('crm-reengagement needs The reply mailbox: IMAP settings and the IMAP password');
    expect(e.message).toContain('Nothing was installed; install them disabled');
    expect(e.issues?.map((i) => i.path)).toEqual(['ids.1', 'ids.2', 'ids.2']);
    expect((await c.call('workflows.list', {})).workflows).toEqual([]);
    expect((await c.call('sequences.list', {})).sequences).toEqual([]);
    expect((await c.call('forms.list', {})).forms).toEqual([]);

    const r = await c.call('templates.install', { ids: ['crm-new-lead', 'new-lead-routing', 'crm-reengagement'] });
    expect(r).toEqual({
      installed: [
        { id: 'crm-new-lead', version: 1, enabled: false },
        { id: 'new-lead-routing', version: 1, enabled: false },
        { id: 'crm-reengagement', version: 1, enabled: false },
      ],
      brought: { sequences: ['nurture'], forms: ['contact'], segments: ['Quiet for 30 days'] },
    });
    // What the operator changed is theirs: installing again brings nothing and overwrites nothing.
    const seq = (await c.call('sequences.get', { id: 'nurture' })).definition;
    await c.call('sequences.save', { ...seq, name: 'My nurture', dailyCap: 50 });
    await c.call('forms.save', { slug: 'contact', name: 'My contact form', fields: { email: 'email' } });
    const again = await c.call('templates.install', { ids: ['crm-new-lead', 'crm-reengagement'] });
    expect(again.brought).toEqual({ sequences: [], forms: [], segments: [] });
    expect(again.installed.map((i) => i.version)).toEqual([1, 1]);
    expect((await c.call('sequences.get', { id: 'nurture' })).definition).toMatchObject({ name: 'My nurture', dailyCap: 50 });
    expect((await c.call('forms.list', {})).forms).toEqual([expect.objectContaining({ slug: 'contact', name: 'My contact form' })]);
    expect((await c.call('templates.list', {})).templates.filter((t) => t.installed).map((t) => t.id)).toEqual(['crm-new-lead', 'crm-reengagement', 'new-lead-routing']);

    // A paused sequence the template needs is a requirement it states.
    await c.call('sequences.save', { ...seq, enabled: false });
    const routing = (await c.call('templates.list', {})).templates.find((t) => t.id === 'new-lead-routing')!;
    expect(routing.requirements.find((q) => q.id === 'sequence:nurture')).toMatchObject({ met: false, fix: 'The sequence "nurture" is paused: enable it on the Sequences page' });
  });

  it('overlaps name the enabled workflows on the same event or webhook slug; installing again without enable leaves an enabled one on', async () => {
    const c = await core({ BATON_SECRET_SMTP_PASSWORD: 'pw', BATON_SECRET_ANTHROPIC_API_KEY: 'k' });
    for (const [k, v] of [['email.smtp.host', 'smtp.solo.test'], ['email.from', 'sam@solo.test'], ['email.leadMagnetUrl', 'https://solo.test/guide.pdf']] as const) await c.call('settings.set', { key: k, value: v });
    await c.call('templates.install', { ids: ['crm-new-lead', 'ai-lead-research'], enable: true });
    const list = Object.fromEntries((await c.call('templates.list', {})).templates.map((t) => [t.id, t]));
    expect(list['crm-lead-magnet']!.overlaps).toEqual(['crm-new-lead']);
    expect(list['crm-new-lead']!.overlaps).toEqual([]);
    expect(list['new-lead-routing']!.overlaps).toEqual(['ai-lead-research']);
    expect(list['daily-report']!.overlaps).toEqual([]);
    await c.call('workflows.disable', { id: 'ai-lead-research' });
    expect((await c.call('templates.list', {})).templates.find((t) => t.id === 'new-lead-routing')!.overlaps).toEqual([]);
    expect((await c.call('templates.install', { ids: ['crm-new-lead'] })).installed).toEqual([{ id: 'crm-new-lead', version: 1, enabled: true }]);
  });

  it('a template file given to workflows.import is refused, naming templates install; without its block it is a plain workflow', async () => {
    const c = await core();
    const e = (await c.call('workflows.import', { definition: raw('daily-report.json') }).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toContain('template: this is a template file: install it with `npx baton templates install daily-report`');
    const { template: _block, ...plain } = raw('daily-report.json');
    expect((await c.call('workflows.import', { definition: plain })).id).toBe('daily-report');
  });
});
