import { describe, expect, it } from 'vitest';
import { openTestCore } from './helpers';

describe('first run: demo data (templates: tests/templates/catalog.test.ts)', () => {
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
