import { describe, expect, it } from 'vitest';
import { openTestCore } from './helpers';

describe('first run: demo data (templates: tests/templates/catalog.test.ts)', () => {
  it('templates.get gives a template\'s workflow without its installer block (to duplicate and edit), and names an unknown id', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const def = (await core.call('templates.get', { id: 'daily-report' })).definition as Record<string, unknown>;
      expect(def.id).toBe('daily-report');
      expect(def).not.toHaveProperty('template');
      // What it gives is a plain workflow: workflows.import takes it as it is.
      await core.call('workflows.import', { definition: { ...def, id: 'my-report' } });
      expect((await core.call('workflows.list', {})).workflows.map((w) => w.id)).toEqual(['my-report']);
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
