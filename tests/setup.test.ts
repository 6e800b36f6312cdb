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
