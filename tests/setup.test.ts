import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { openTestCore } from './helpers';

const root = join(import.meta.dirname, '..');

describe('first run: templates and demo data', () => {
  it('lists every shipped template with what it needs, installs a selection all or nothing', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const { templates } = await core.call('templates.list', {});
      expect(templates.map((t) => `${t.id}.json`).sort()).toEqual(readdirSync(join(root, 'resources', 'templates')).sort());
      expect(templates.every((t) => !t.installed)).toBe(true);
      expect(templates.find((t) => t.id === 'crm-new-lead')).toMatchObject({ trigger: 'on contact.created', needs: ['SMTP settings and the SMTP_PASSWORD secret (Settings > E-mail)'] });
      expect(templates.find((t) => t.id === 'ai-lead-research')?.needs).toContain('the ANTHROPIC_API_KEY secret (Settings > AI)');

      const bad = (await core.call('templates.install', { ids: ['daily-report', 'no-such-template'] }).catch((e: unknown) => e)) as ApiError;
      expect(bad).toBeInstanceOf(ApiError);
      expect(bad.message).toContain('"no-such-template"');
      expect((await core.call('workflows.list', {})).workflows).toHaveLength(0);

      const r = await core.call('templates.install', { ids: ['daily-report', 'crm-new-lead'], enable: true });
      expect(r.installed.map((i) => i.id)).toEqual(['daily-report', 'crm-new-lead']);
      const list = (await core.call('workflows.list', {})).workflows;
      expect(list.map((w) => [w.id, w.enabled]).sort()).toEqual([['crm-new-lead', true], ['daily-report', true]]);
      expect((await core.call('templates.list', {})).templates.filter((t) => t.installed).map((t) => t.id).sort()).toEqual(['crm-new-lead', 'daily-report']);
    } finally {
      await cleanup();
    }
  });

  it('says in words when and what each template does, checks its requirements now and names overlapping enabled workflows', async () => {
    const { core, cleanup } = await openTestCore({ env: { BATON_SECRET_SMTP_PASSWORD: 'x' } });
    try {
      const get = async (id: string) => (await core.call('templates.list', {})).templates.find((t) => t.id === id)!;
      const lead = await get('crm-new-lead');
      expect(lead).toMatchObject({ when: 'contact.created happens', ready: false, overlaps: [] });
      expect(lead.then).not.toBe('');
      expect(lead.requirements).toEqual([{ id: 'smtp', label: 'SMTP set (server, sender and password)', met: false, fix: '#/settings?section=email' }]);
      expect((await get('daily-report')).requirements).toEqual([]);
      expect((await get('daily-report')).ready).toBe(true);
      // Met once the settings are there (the password secret already is).
      await core.call('settings.set', { key: 'email.smtp.host', value: 'smtp.example.com' });
      await core.call('settings.set', { key: 'email.from', value: 'me@example.com' });
      expect(await get('crm-new-lead')).toMatchObject({ ready: true, requirements: [expect.objectContaining({ id: 'smtp', met: true })] });
      expect((await get('ai-lead-research')).requirements.find((r) => r.id === 'anthropic')?.met).toBe(false);
      // An enabled workflow on the same event overlaps.
      await core.call('workflows.import', { definition: { id: 'mine', name: 'My welcome', trigger: { type: 'event', event: 'contact.created' }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }], edges: [] }, enable: true });
      expect((await get('crm-new-lead')).overlaps).toEqual(['My welcome']);
      // Duplicate and edit: the definition.
      expect(((await core.call('templates.get', { id: 'crm-new-lead' })).definition as { id: string }).id).toBe('crm-new-lead');
      await expect(core.call('templates.get', { id: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await cleanup();
    }
  });

  it('seeds demo data into an empty CRM once, and refuses a second time without touching it', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const r = await core.call('demo.seed', { contacts: 200 });
      expect(r.contacts).toBe(200);
      expect((await core.call('contacts.list', { limit: 1 })).total).toBe(200);
      await expect(core.call('demo.seed', { contacts: 10 })).rejects.toMatchObject({ code: 'conflict' });
      expect((await core.call('contacts.list', { limit: 1 })).total).toBe(200);
      await expect(core.call('demo.seed', { contacts: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    } finally {
      await cleanup();
    }
  });
});
