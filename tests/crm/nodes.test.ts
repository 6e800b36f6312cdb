/**
 * The CRM and sales workflow nodes through the real engine (main-thread executor) on a real SQLite
 * file: what each one writes and outputs, the refusals at import, bad input failing the step with
 * the reason (and the error edge), and exactly-once writes when a step runs again after its write.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../shared/api';
import type { NodeContext, NodeDef } from '../../electron/core/engine/registry';
import { harness, wf, type EngineHarness } from '../engine/util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.cleanup());

const step = (d: RunDetail, id: string) => d.steps.find((s) => s.nodeId === id)!;
const count = (sql: string, ...args: unknown[]) => (h.core.db.prepare(sql).get(...args) as { n: number }).n;

async function runWf(def: Parameters<EngineHarness['importWf']>[0], input: unknown = {}): Promise<RunDetail> {
  await h.importWf(def);
  const id = await h.run(def.id, input);
  return h.detail(id);
}

/** The import error of a definition (it must be refused). */
async function refused(def: Parameters<EngineHarness['importWf']>[0]): Promise<{ message: string; issues: { path: string; message: string }[] }> {
  try {
    await h.importWf(def);
  } catch (e) {
    return e as { message: string; issues: { path: string; message: string }[] };
  }
  throw new Error(`${def.id} was imported`);
}

/** Make a node fail (retryably) after it ran, on its first attempt only: the write happened, the step did not finish. */
function failAfterRun(type: string): () => void {
  const def = h.core.nodes.get(type) as NodeDef;
  const run = def.run;
  def.run = async (ctx: NodeContext) => {
    const r = await run(ctx);
    if (ctx.attempt === 1) throw new Error('lost after the write (test)');
    return r;
  };
  return () => void (def.run = run);
}

describe('crm.contact.upsert', () => {
  it('creates by e-mail with mapped fields, source, UTM, custom fields and tags; a second run updates; source stays first touch', async () => {
    const def = wf('capture', [
      {
        id: 'up',
        type: 'crm.contact.upsert',
        params: {
          email: '=input.email',
          fields: { firstName: '=input.first_name', title: '=input.job', companyName: '=input.company', consent: 'granted' },
          source: '=input.source',
          utm: { source: '=input.utm_source', campaign: 'spring' },
          custom: { plan: '=input.plan', seats: '=input.seats' },
          tags: ['lead', '=input.interest'],
        },
      },
    ]);
    const d = await runWf(def, { email: ' Ada@Example.COM ', first_name: 'Ada', job: 'CTO', company: 'Analytical', source: 'webinar', utm_source: 'newsletter', plan: 'pro', seats: 5, interest: 'ai' });
    expect(d.status).toBe('succeeded');
    const out = step(d, 'up').output as Record<string, unknown>;
    expect(out).toMatchObject({ email: 'ada@example.com', firstName: 'Ada', title: 'CTO', companyName: 'Analytical', source: 'webinar', utmSource: 'newsletter', utmCampaign: 'spring', consent: 'granted', created: true });
    expect(out.tags).toEqual(['ai', 'lead']);
    expect(out.custom).toEqual({ plan: 'pro', seats: 5 });
    // Default scoring: a company domain (+10), a title (+5) and consent (+5); the output carries the score.
    expect(out.score).toBe(20);
    expect(out.stage).toBe('lead');

    const d2 = await runWf(def, { email: 'ada@example.com', first_name: 'Ada L.', source: 'ads', utm_source: 'google', interest: 'ops' });
    const out2 = step(d2, 'up').output as Record<string, unknown>;
    expect(out2).toMatchObject({ id: out.id, created: false, changed: true, firstName: 'Ada L.', title: 'CTO', source: 'webinar', utmSource: 'newsletter' });
    expect(out2.tags).toEqual(['ai', 'lead', 'ops']);
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(1);
    const created = h.core.db.prepare(`SELECT data FROM events WHERE type = 'contact.created'`).all() as { data: string }[];
    expect(created.map((r) => ({ via: JSON.parse(r.data).via, workflowId: JSON.parse(r.data).workflowId }))).toEqual([{ via: 'workflow', workflowId: 'capture' }]);
  });

  it('a bad e-mail fails the step with the reason, the error edge is taken, nothing is written', async () => {
    const d = await runWf(
      wf(
        'bad-mail',
        [
          { id: 'up', type: 'crm.contact.upsert', params: { email: '=input.email', fields: { firstName: '=input.name' } } },
          { id: 'oops', type: 'set', params: { values: { why: '=prev.error.message' } } },
        ],
        [{ from: 'up', to: 'oops', branch: 'error' }],
      ),
      { email: 'not-an-address', name: 'Bob' },
    );
    expect(d.status).toBe('succeeded');
    const s = step(d, 'up');
    expect(s.status).toBe('failed');
    expect(s.attempts).toBe(1); // not retried: the same input fails the same way
    expect(s.error?.message).toMatch(/crm\.contact\.upsert: email: use a valid e-mail address .*\(got "not-an-address"\)\. Nothing was written\./);
    expect((step(d, 'oops').output as { why: string }).why).toContain('not-an-address');
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(0);
    expect(count(`SELECT COUNT(*) AS n FROM events`)).toBe(0);

    // No e-mail at all: the run fails (no error edge) with the reason.
    const d2 = await runWf(wf('no-mail', [{ id: 'up', type: 'crm.contact.upsert', params: { email: '=input.email' } }]), {});
    expect(d2.status).toBe('failed');
    expect(step(d2, 'up').error?.message).toContain('email: the value is empty');
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(0);
  });

  it('fields may come whole from an expression; a key that is not a contact field fails the step', async () => {
    const def = wf('whole', [{ id: 'up', type: 'crm.contact.upsert', params: { email: '=input.email', fields: '=input.fields' } }]);
    const d = await runWf(def, { email: 'zoe@example.com', fields: { firstName: 'Zoe', phone: 5550100 } });
    expect(step(d, 'up').output).toMatchObject({ firstName: 'Zoe', phone: '5550100', created: true });
    const d2 = await runWf(def, { email: 'zed@example.com', fields: { firstName: 'Zed', shoeSize: 44 } });
    expect(step(d2, 'up').error?.message).toBe(
      'crm.contact.upsert: fields: "shoeSize" is not a contact field (use firstName, lastName, phone, title, stage, source, utmSource, utmMedium, utmCampaign, utmTerm, utmContent, timeZone, consent, companyName, companyDomain). Nothing was written.',
    );
    expect(count(`SELECT COUNT(*) AS n FROM contacts WHERE email = 'zed@example.com'`)).toBe(0);
  });

  it('a write that fails half-way (an invalid stage after valid fields) leaves nothing', async () => {
    const d = await runWf(wf('half', [{ id: 'up', type: 'crm.contact.upsert', params: { email: 'eve@example.com', fields: { firstName: 'Eve', stage: '=input.stage' } } }]), { stage: 'boss' });
    expect(d.status).toBe('failed');
    expect(step(d, 'up').error?.message).toMatch(/stage: use one of subscriber, lead/);
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(0);
  });
});

describe('exactly once: a step that runs again after its write', () => {
  it('crm.score +10 stays +10, crm.deal.create opens one deal, crm.contact.upsert says created: true again', async () => {
    const c = await h.core.call('contacts.create', { email: 'kim@example.com' });
    const restore = [failAfterRun('crm.score'), failAfterRun('crm.deal.create'), failAfterRun('crm.contact.upsert')];
    try {
      const d = await runWf(
        wf(
          'twice',
          [
            { id: 'up', type: 'crm.contact.upsert', params: { email: 'lee@example.com' } },
            { id: 'score', type: 'crm.score', params: { contactId: '=input.id', points: 10, reason: 'Asked for pricing' } },
            { id: 'deal', type: 'crm.deal.create', params: { contactId: '=input.id', title: 'Deal for {{ contact.email }}', value: 500 } },
          ],
          [],
          { settings: { retry: { maxAttempts: 3, initialDelay: '1s', jitter: false } } },
        ),
        { id: c.id },
      );
      expect(d.status).toBe('waiting'); // each step failed once and waits to retry
      h.clock.advance(2000);
      await h.drain();
      const done = await h.detail(d.id);
      expect(done.status).toBe('succeeded');
      for (const id of ['up', 'score', 'deal']) expect(step(done, id).attempts).toBe(2);
      expect((await h.core.call('contacts.get', { id: c.id })).contact.score).toBe(10);
      expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'score.adjusted'`)).toBe(1);
      expect(count(`SELECT COUNT(*) AS n FROM deals`)).toBe(1);
      expect(count(`SELECT COUNT(*) AS n FROM contacts WHERE email = 'lee@example.com'`)).toBe(1);
      expect(step(done, 'up').output).toMatchObject({ created: true });
      expect(step(done, 'deal').branch).toBe('created');
      // The record of each write: inserted once, never sent twice.
      const rows = h.core.db.prepare(`SELECT node_id, status, sends FROM outbox WHERE run_id = ? ORDER BY node_id`).all(d.id);
      expect(rows).toEqual([
        { node_id: 'deal', status: 'sent', sends: 1 },
        { node_id: 'score', status: 'sent', sends: 1 },
        { node_id: 'up', status: 'sent', sends: 1 },
      ]);
    } finally {
      for (const r of restore) r();
    }
  });
});

describe('crm.score', () => {
  it('adds points with a reason shown in the explanation; re-scoring and new rules keep it; crossing MQL promotes', async () => {
    const c = await h.core.call('contacts.create', { email: 'sam@example.com' });
    const def = wf('bump', [{ id: 's', type: 'crm.score', params: { email: '=input.email', points: '=input.points', reason: 'Attended the webinar' } }]);
    const d = await runWf(def, { email: 'sam@example.com', points: 45 });
    expect(step(d, 's').output).toMatchObject({ id: c.id, score: 45, previousScore: 0, points: 45, crossed: [] });
    const d2 = await runWf(def, { email: 'sam@example.com', points: 10 });
    expect(step(d2, 's').output).toMatchObject({ score: 55, previousScore: 45, stage: 'mql', crossed: [{ threshold: 'mql', from: 'lead', to: 'mql', score: 55 }] });
    const g = await h.core.call('contacts.get', { id: c.id });
    expect(g.contact.stage).toBe('mql');
    const line = g.score.lines.find((l) => l.kind === 'adjustment')!;
    expect(line).toMatchObject({ rule: 'adjustment', label: 'Attended the webinar', points: 55, detail: '2 adjustments by workflow bump' });
    expect(g.timeline.map((e) => e.type)).toContain('score.adjusted');
    await h.core.call('scoring.rescore', {});
    expect((await h.core.call('contacts.get', { id: c.id })).contact.score).toBe(55);
    const rules = await h.core.call('scoring.rules.get', {});
    await h.core.call('scoring.rules.set', { config: { ...rules, fit: [] } });
    expect((await h.core.call('contacts.get', { id: c.id })).contact.score).toBe(55);

    const neg = await runWf(wf('cool', [{ id: 's', type: 'crm.score', params: { contactId: c.id, points: -20, reason: 'Went quiet' } }]));
    expect(step(neg, 's').output).toMatchObject({ score: 35 });
    const lines = (await h.core.call('contacts.get', { id: c.id })).score.lines.filter((l) => l.kind === 'adjustment');
    expect(lines.map((l) => [l.label, l.points])).toEqual([
      ['Attended the webinar', 55],
      ['Went quiet', -20],
    ]);
  });

  it('points that are not a whole number fail the step; an unknown contact fails it with the id', async () => {
    await h.core.call('contacts.create', { email: 'pat@example.com' });
    const d = await runWf(wf('badpts', [{ id: 's', type: 'crm.score', params: { email: 'pat@example.com', points: '=input.p', reason: 'x' } }]), { p: 'lots' });
    expect(step(d, 's').error?.message).toContain('crm.score: points must be a whole number from -1000 to 1000 other than 0 (got "lots")');
    const d2 = await runWf(wf('nobody', [{ id: 's', type: 'crm.score', params: { contactId: 9999, points: 5, reason: 'x' } }]));
    expect(step(d2, 's').error).toMatchObject({ code: 'contact_not_found', message: 'crm.score: no contact with id 9999 (deleted, or never existed)' });
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'score.adjusted'`)).toBe(0);
  });
});

describe('crm.lookup, crm.stage.set, tags, update', () => {
  it('lookup: found with score, stage, tags, segments and open deals; not_found branch', async () => {
    const c = await h.core.call('contacts.create', { email: 'ivy@example.com', tags: ['vip'], title: 'CEO' });
    const seg = await h.core.call('segments.save', { name: 'VIPs', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'vip' }] } });
    await h.core.call('segments.save', { name: 'Nobody', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'nope' }] } });
    await h.core.call('deals.create', { contactId: c.id, title: 'Big one', stage: 'proposal', value: 900 });
    const def = wf(
      'look',
      [
        { id: 'l', type: 'crm.lookup', params: { email: '=input.email', segment: 'VIPs' } },
        { id: 'yes', type: 'set', params: { values: { score: '=prev.score' } } },
        { id: 'no', type: 'set', params: { values: { missing: '=prev.email' } } },
      ],
      [
        { from: 'l', to: 'yes', branch: 'found' },
        { from: 'l', to: 'no', branch: 'not_found' },
      ],
    );
    const d = await runWf(def, { email: 'IVY@example.com' });
    const out = step(d, 'l').output as Record<string, unknown>;
    expect(step(d, 'l').branch).toBe('found');
    expect(out).toMatchObject({ found: true, id: c.id, stage: 'lead', tags: ['vip'], score: 5, inSegment: true, segments: [{ id: seg.id, name: 'VIPs' }] });
    expect(out.openDeals).toMatchObject([{ title: 'Big one', stage: 'proposal', value: 900 }]);
    const d2 = await runWf(def, { email: 'nobody@example.com' });
    expect(step(d2, 'l').branch).toBe('not_found');
    expect(step(d2, 'l').output).toEqual({ found: false, contactId: null, email: 'nobody@example.com' });
    expect(step(d2, 'no').output).toEqual({ missing: 'nobody@example.com' });
    expect(step(d2, 'yes').status).toBe('skipped');
  });

  it('stage.set records lifecycle.changed with the reason; tag, untag and update change the contact', async () => {
    const c = await h.core.call('contacts.create', { email: 'rex@example.com', tags: ['old'] });
    const d = await runWf(
      wf(
        'shape',
        [
          { id: 'stage', type: 'crm.stage.set', params: { contactId: '=input.id', stage: 'opportunity', reason: 'Discovery call done' } },
          { id: 'tag', type: 'crm.contact.tag', params: { contactId: '=input.id', tags: ['hot', 'old'] } },
          { id: 'untag', type: 'crm.contact.untag', params: { contactId: '=input.id', tags: ['old', 'never'] } },
          { id: 'upd', type: 'crm.contact.update', params: { contactId: '=input.id', set: { phone: '+1 555 0100', title: null }, custom: { tier: 'gold' } } },
        ],
        [
          { from: 'stage', to: 'tag' },
          { from: 'tag', to: 'untag' },
          { from: 'untag', to: 'upd' },
        ],
      ),
      { id: c.id },
    );
    expect(d.status).toBe('succeeded');
    expect(step(d, 'stage').output).toMatchObject({ stage: 'opportunity', previousStage: 'lead', changed: true });
    expect(step(d, 'tag').output).toMatchObject({ tags: ['hot', 'old'], added: ['hot'] });
    expect(step(d, 'untag').output).toMatchObject({ tags: ['hot'], removed: ['old'] });
    expect(step(d, 'upd').output).toMatchObject({ phone: '+1 555 0100', title: null, custom: { tier: 'gold' }, changed: true });
    const ev = h.core.db.prepare(`SELECT data FROM events WHERE type = 'lifecycle.changed'`).get() as { data: string };
    expect(JSON.parse(ev.data)).toEqual({ from: 'lead', to: 'opportunity', reason: 'Discovery call done' });
    // An e-mail that belongs to another contact: the step fails with the reason, nothing changes.
    await h.core.call('contacts.create', { email: 'taken@example.com' });
    const clash = await runWf(wf('clash', [{ id: 'upd', type: 'crm.contact.update', params: { contactId: c.id, set: { email: 'taken@example.com', firstName: 'Rex' } } }]));
    expect(step(clash, 'upd').error).toMatchObject({ code: 'conflict' });
    expect(step(clash, 'upd').error?.message).toContain('crm.contact.update: email: taken@example.com already belongs to contact');
    expect((await h.core.call('contacts.get', { id: c.id })).contact).toMatchObject({ email: 'rex@example.com', firstName: null });
    // Setting the same stage again changes nothing.
    const again = await runWf(wf('same', [{ id: 'stage', type: 'crm.stage.set', params: { contactId: c.id, stage: 'opportunity' } }]));
    expect(step(again, 'stage').output).toMatchObject({ changed: false });
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'lifecycle.changed'`)).toBe(1);
  });
});

describe('crm.event.record', () => {
  it('a custom event goes on the timeline and a scoring rule on it changes the score', async () => {
    const rules = await h.core.call('scoring.rules.get', {});
    await h.core.call('scoring.rules.set', {
      config: { ...rules, behavior: [...rules.behavior, { id: 'webinar', label: 'Attended a webinar', event: 'custom', where: { path: 'name', op: 'eq', value: 'webinar.attended' }, points: 25 }] },
    });
    const c = await h.core.call('contacts.create', { email: 'una@example.com' });
    const d = await runWf(
      wf('webinar', [{ id: 'rec', type: 'crm.event.record', params: { email: '=input.email', name: 'webinar.attended', data: { webinar: '=input.title' } } }]),
      { email: 'una@example.com', title: 'Scaling solo' },
    );
    expect(step(d, 'rec').output).toMatchObject({ type: 'custom', name: 'webinar.attended', contactId: c.id, data: { webinar: 'Scaling solo', name: 'webinar.attended' } });
    const g = await h.core.call('contacts.get', { id: c.id });
    expect(g.contact.score).toBe(25);
    expect(g.score.lines.find((l) => l.rule === 'webinar')).toMatchObject({ points: 25, label: 'Attended a webinar' });
    expect(g.timeline[0]).toMatchObject({ type: 'custom', data: { name: 'webinar.attended', webinar: 'Scaling solo' } });
    expect(g.contact.lastActivityAt).not.toBeNull();
    // Another activity type by name; a system type is refused at import.
    const d2 = await runWf(wf('meet', [{ id: 'rec', type: 'crm.event.record', params: { contactId: c.id, type: 'meeting.booked' } }]));
    expect(step(d2, 'rec').output).toMatchObject({ type: 'meeting.booked' });
    const bad = await refused(wf('sys', [{ id: 'rec', type: 'crm.event.record', params: { contactId: c.id, type: 'score.crossed' } }]));
    expect(bad.message).toMatch(/nodes\.0\.params\.type: node "rec": crm\.event\.record: use one of .*custom/);
  });
});

describe('deals and tasks', () => {
  it('deal.create opens a deal in a stage with its task; a second run finds it (existing); deal.move moves it, records the change, won makes a customer', async () => {
    const c = await h.core.call('contacts.create', { email: 'ola@example.com', firstName: 'Ola' });
    const create = wf('open-deal', [{ id: 'd', type: 'crm.deal.create', params: { contactId: '=input.id', title: '{{ contact.first_name }} — {{ vars.plan }}', value: '=input.value', currency: 'EUR', vars: { plan: '=input.plan' } } }]);
    const d = await runWf(create, { id: c.id, value: 1200, plan: 'Pro' });
    const deal = step(d, 'd').output as Record<string, unknown>;
    expect(step(d, 'd').branch).toBe('created');
    expect(deal).toMatchObject({ title: 'Ola — Pro', stage: 'qualification', value: 1200, currency: 'EUR', contactId: c.id, created: true });
    const tasks = (await h.core.call('tasks.list', { contactId: c.id })).tasks;
    expect(tasks.map((t) => t.title)).toEqual(['Qualify Ola: book a discovery call']);
    const again = await runWf(create, { id: c.id, value: 1, plan: 'x' });
    expect(step(again, 'd').branch).toBe('existing');
    expect(step(again, 'd').output).toMatchObject({ id: deal.id, created: false });

    const move = wf('move', [{ id: 'm', type: 'crm.deal.move', params: { email: '=input.email', stage: '=input.stage' } }]);
    const m = await runWf(move, { email: 'ola@example.com', stage: 'proposal' });
    expect(step(m, 'm').output).toMatchObject({ id: deal.id, stage: 'proposal', from: 'qualification', moved: true });
    const changed = h.core.db.prepare(`SELECT data FROM events WHERE type = 'deal.stage_changed'`).get() as { data: string };
    expect(JSON.parse(changed.data)).toEqual({ dealId: deal.id, from: 'qualification', to: 'proposal', via: 'workflow:move' });
    expect((await h.core.call('tasks.list', { contactId: c.id })).tasks.map((t) => t.title)).toContain('Write and send the proposal to Ola');
    const won = await runWf(move, { email: 'ola@example.com', stage: 'won' });
    expect(step(won, 'm').output).toMatchObject({ stage: 'won', moved: true });
    expect((await h.core.call('contacts.get', { id: c.id })).contact.stage).toBe('customer');
    // A closed deal does not move, and a stage the pipeline does not have fails at run time.
    const closed = await runWf(wf('move2', [{ id: 'm', type: 'crm.deal.move', params: { dealId: deal.id as number, stage: 'proposal' } }]));
    expect(step(closed, 'm').error?.message).toContain('is already won; closed deals do not move');
    const unknown = await runWf(move, { email: 'ola@example.com', stage: 'heaven' });
    expect(step(unknown, 'm').error?.message).toContain('crm.deal.move: "heaven" is not a stage of the pipeline');
  });

  it('task.create: title from the contact and vars, due in a duration, listed for the contact, completable', async () => {
    const c = await h.core.call('contacts.create', { email: 'max@example.com', firstName: 'Max' });
    const d = await runWf(wf('todo', [{ id: 't', type: 'crm.task.create', params: { title: 'Call {{ contact.name }} about {{ vars.topic }}', due: '2d', email: '=input.email', vars: { topic: '=input.topic' } } }]), {
      email: 'max@example.com',
      topic: 'renewal',
    });
    const t = step(d, 't').output as Record<string, unknown>;
    expect(t).toMatchObject({ title: 'Call Max about renewal', contactId: c.id, status: 'open', source: 'workflow:todo', dueAt: new Date(h.clock.now + 2 * 86_400_000).toISOString() });
    expect((await h.core.call('tasks.list', { contactId: c.id, status: 'open' })).tasks).toHaveLength(1);
    await h.core.call('tasks.done', { id: t.id as number });
    expect((await h.core.call('tasks.list', { contactId: c.id, status: 'open' })).tasks).toHaveLength(0);
    const bad = await runWf(wf('todo2', [{ id: 't', type: 'crm.task.create', params: { title: 'x', due: '=input.due' } }]), { due: 'soon' });
    expect(step(bad, 't').error?.message).toContain('crm.task.create: due "soon" is not a duration');
  });
});

describe('sequence.enroll / unenroll', () => {
  const seq = { id: 'nurture', name: 'Nurture', steps: [{ type: 'wait', duration: '1d' }, { type: 'task', title: 'Check on {{name}}' }] };

  it('enrolls; an active contact is skipped with the reason; a paused or deleted sequence fails the step; unenroll ends it', async () => {
    await h.core.call('sequences.save', seq);
    const c = await h.core.call('contacts.create', { email: 'joy@example.com' });
    const def = wf(
      'enroll',
      [
        { id: 'e', type: 'sequence.enroll', params: { sequence: 'nurture', contactId: '=input.id' } },
        { id: 'why', type: 'set', params: { values: { reason: '=prev.reason' } } },
      ],
      [{ from: 'e', to: 'why', branch: 'skipped' }],
    );
    const d = await runWf(def, { id: c.id });
    expect(step(d, 'e').branch).toBe('enrolled');
    expect(step(d, 'e').output).toMatchObject({ enrolled: true, sequenceId: 'nurture', contactId: c.id });
    const d2 = await runWf(def, { id: c.id });
    expect(step(d2, 'e').output).toMatchObject({ enrolled: false, reason: 'already active in this sequence' });
    expect(step(d2, 'why').output).toEqual({ reason: 'already active in this sequence' });
    expect(count(`SELECT COUNT(*) AS n FROM enrollments`)).toBe(1);

    const u = await runWf(wf('stop', [{ id: 'u', type: 'sequence.unenroll', params: { sequence: 'nurture', email: 'joy@example.com', reason: 'bought' } }]));
    expect(step(u, 'u').output).toMatchObject({ exited: 1, sequenceId: 'nurture', reason: 'bought' });
    expect((await h.core.call('sequences.enrollments', { contactId: c.id })).enrollments[0]).toMatchObject({ status: 'exited', exitReason: 'bought' });

    await h.core.call('sequences.save', { ...seq, enabled: false });
    const other = await h.core.call('contacts.create', { email: 'kay@example.com' });
    const paused = await h.detail(await h.run('enroll', { id: other.id }));
    expect(paused.status).toBe('failed');
    expect(step(paused, 'e').attempts).toBe(1);
    expect(step(paused, 'e').error).toMatchObject({ code: 'sequence_paused', message: 'sequence.enroll: the sequence "nurture" is paused (enable it on the Sequences page); nobody was enrolled.' });
    await h.core.call('sequences.delete', { id: 'nurture' });
    const gone = await h.detail(await h.run('enroll', { id: other.id }));
    expect(step(gone, 'e').error).toMatchObject({ code: 'sequence_missing' });
    expect(count(`SELECT COUNT(*) AS n FROM enrollments WHERE contact_id = ?`, other.id)).toBe(0);
  });

  it("the sequence's send window applies to a contact a workflow enrolled", async () => {
    await h.core.call('settings.set', { key: 'email.smtp.host', value: '127.0.0.1' });
    await h.core.call('sequences.save', { id: 'office-hours', name: 'Office hours', steps: [{ type: 'email', subject: 'Hi', text: 'Hello' }], window: { start: '09:00', end: '17:00', weekdaysOnly: true, timeZone: 'UTC' } });
    const c = await h.core.call('contacts.create', { email: 'sun@example.com' });
    // Saturday 2025-03-01 09:00Z: the window is closed until Monday 09:00 UTC.
    await runWf(wf('weekend', [{ id: 'e', type: 'sequence.enroll', params: { sequence: 'office-hours', contactId: c.id } }]));
    const tick = await h.core.call('sequences.tick', {});
    expect(tick).toMatchObject({ sent: 0, deferred: 1 });
    const e = (await h.core.call('sequences.enrollments', { contactId: c.id })).enrollments[0]!;
    expect(e.nextAt).toBe('2025-03-03T09:00:00.000Z');
  });
});

describe('refused at import, naming the node and the field', () => {
  it('unknown contact field, sequence, pipeline stage, segment, lifecycle stage, title token', async () => {
    await h.core.call('sequences.save', { id: 'welcome', name: 'Welcome', steps: [{ type: 'wait', duration: '1d' }] });
    const e = await refused(
      wf('bad-refs', [
        { id: 'up', type: 'crm.contact.upsert', params: { email: '=input.email', fields: { firstName: '=input.f', favouriteColour: 'blue', stage: 'boss' } } },
        { id: 'enr', type: 'sequence.enroll', params: { sequence: 'welcom', contactId: '=input.id' } },
        { id: 'deal', type: 'crm.deal.create', params: { contactId: 1, stage: 'closing' } },
        { id: 'mv', type: 'crm.deal.move', params: { dealId: 1, stage: 'signed' } },
        { id: 'look', type: 'crm.lookup', params: { contactId: 1, segment: 'Whales' } },
        { id: 'st', type: 'crm.stage.set', params: { contactId: 1, stage: 'prospect' } },
        { id: 'task', type: 'crm.task.create', params: { title: 'Call {{ first_name }}' } },
        { id: 'upd', type: 'crm.contact.update', params: { contactId: 1, set: { mobile: '1' } } },
        { id: 'task2', type: 'crm.task.create', params: { title: '=input.title' } },
      ]),
    );
    const by = Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
    expect(by['nodes.0.params.fields.favouriteColour']).toMatch(/^node "up": crm\.contact\.upsert: "favouriteColour" is not a contact field \(use one of firstName, lastName/);
    expect(by['nodes.0.params.fields.stage']).toBe('node "up": stage: use one of subscriber, lead, mql, sql, opportunity, customer, churned');
    expect(by['nodes.1.params.sequence']).toBe('node "enr": sequence.enroll: there is no sequence "welcom" (sequences: welcome; create it on the Sequences page first)');
    expect(by['nodes.2.params.stage']).toBe('node "deal": crm.deal.create: "closing" is not a stage of the pipeline (use one of qualification, proposal, negotiation, won, lost; edit the stages on the Pipeline page)');
    expect(by['nodes.3.params.stage']).toContain('node "mv": crm.deal.move: "signed" is not a stage of the pipeline');
    expect(by['nodes.4.params.segment']).toBe('node "look": crm.lookup: there is no segment "Whales" (no segment is saved yet)');
    expect(by['nodes.5.params.stage']).toBe('node "st": crm.stage.set: "prospect" is not a lifecycle stage (use one of subscriber, lead, mql, sql, opportunity, customer, churned)');
    expect(by['nodes.6.params.title']).toBe('node "task": crm.task.create: unknown token {{ first_name }} (did you mean contact.first_name?); use contact, vars');
    expect(by['nodes.7.params.set.mobile']).toMatch(/^node "upd": crm\.contact\.update: "mobile" is not a contact field/);
    expect(by['nodes.8.params.title']).toBe('node "task2": crm.task.create: title is a Liquid template, not an expression; put the value in vars (vars: { "title": "=input.title" }) and write {{ vars.title }}');
    expect(e.message).toContain('nothing was imported');
    expect(count(`SELECT COUNT(*) AS n FROM workflows`)).toBe(0);
    // Expressions are checked when the step runs, not at import.
    await h.importWf(wf('late', [{ id: 'enr', type: 'sequence.enroll', params: { sequence: '=input.seq', contactId: '=input.id' } }]));
  });
});

describe('docs/workflows.md', () => {
  it('the examples of "CRM and sales nodes" are valid, and the demo loop runs from a form post', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/workflows.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### CRM and sales nodes'), doc.indexOf('**Side effects happen once.**'));
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const id of ['welcome', 'demo-followup']) await h.core.call('sequences.save', { id, name: id, steps: [{ type: 'wait', duration: '1d' }] });
    await h.core.call('segments.save', { name: 'Customers', filter: { conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: 'customer' }] } });
    for (const [i, b] of blocks.entries()) {
      const def = 'type' in b ? wf(`doc-${i}`, [b as never]) : 'trigger' in b ? b : { id: `doc-${i}`, name: `doc ${i}`, ...b };
      const v = await h.core.call('workflows.validate', { definition: def });
      expect(v.issues, `example ${i}`).toEqual([]);
    }
    const loop = blocks.find((b) => b.id === 'demo-lead')!;
    await h.importWf(loop as never);
    await h.core.call('forms.save', { slug: 'demo', name: 'Demo', fields: { email: 'email', name: 'firstName' } });
    const r = await h.core.publicRoutes.get('hooks/forms')!({ method: 'POST', path: 'demo', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from('{"email":"lin@example.com","name":"Lin"}') });
    expect(r.status).toBe(200);
    const d = await h.engine.dispatchEvents();
    expect(d.startedRuns).toHaveLength(1);
    await h.drain();
    const run = await h.detail(d.startedRuns[0]!);
    expect(run.status).toBe('succeeded');
    expect(step(run, 'deal').output).toMatchObject({ title: 'Demo: Lin', created: true });
    expect(step(run, 'enroll').output).toMatchObject({ enrolled: true });
    expect(step(run, 'task').output).toMatchObject({ title: 'Prepare the demo for Lin' });
  });
});
