/** CRM events are rows of the events table: the workflow engine's dispatcher starts event-triggered workflows from them. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

describe('CRM -> workflow engine', () => {
  it('a form submission and a score crossing start the workflows that listen for them', async () => {
    await core.call('workflows.import', {
      definition: {
        id: 'welcome',
        name: 'Welcome new subscribers',
        trigger: { type: 'event', event: 'form.submitted', filter: 'event.data.form = "newsletter"' },
        nodes: [{ id: 'hello', type: 'set', params: { values: { email: '=input.email' } } }],
      },
    });
    await core.call('workflows.import', {
      definition: {
        id: 'hot-lead',
        name: 'Hot lead alert',
        trigger: { type: 'event', event: 'score.crossed', filter: 'event.data.threshold = "sql"' },
        nodes: [{ id: 'note', type: 'set', params: { values: { score: '=input.score' } } }],
      },
    });
    await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { email: 'email' } });
    await core.publicRoutes.get('forms')!({ method: 'POST', path: 'newsletter', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from('{"email":"Ada@Example.com"}') });
    const c = (await core.call('contacts.list', {})).rows[0]!;
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'meeting.booked' }, { contactId: c.id, type: 'email.replied' }, { contactId: c.id, type: 'email.replied' }, { contactId: c.id, type: 'page.visited', data: { url: 'https://x.io/pricing' } }] });
    expect((await core.call('contacts.get', { id: c.id })).contact.stage).toBe('sql');

    const engine = engineOf(core);
    const d = await engine.dispatchEvents();
    expect(d.startedRuns).toHaveLength(2);
    await engine.drain();
    const runs = await Promise.all(d.startedRuns.map((id) => core.call('runs.get', { id })));
    const byWf = Object.fromEntries(runs.map((r) => [r.workflowId, r]));
    expect(byWf.welcome!.output).toEqual({ email: 'ada@example.com' });
    expect(byWf['hot-lead']!.output).toEqual({ score: 100 });
    expect(byWf['hot-lead']!.subject).toBe(String(c.id));
  });
});
