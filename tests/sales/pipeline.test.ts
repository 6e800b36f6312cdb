/** Pipeline (deal at SQL / demo request, stage moves, tasks, stale deals), escalation rules, sequence caps and re-enrollment. */
import { afterEach, describe, expect, it } from 'vitest';
import { salesRig, type SalesRig } from './rig';

let rig: SalesRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const deals = (r: SalesRig, contactId: number) => r.core.db.prepare('SELECT id, stage, won_at FROM deals WHERE contact_id = ?').all(contactId) as { id: number; stage: string; won_at: string | null }[];

describe('pipeline and escalation rules', () => {
  it('a demo request opens one deal with a task and an alert; events move it forward only; stale deals alert once', async () => {
    rig = await salesRig();
    const { core, clock } = rig;
    const id = await rig.contact('gus@bigco.test', { firstName: 'Gus' });
    await core.call('events.ingest', { events: [{ contactId: id, type: 'form.submitted', data: { form: 'request-demo' } }] });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)).toMatchObject([{ stage: 'qualification' }]);
    let tasks = (await core.call('tasks.list', {})).tasks.map((t) => t.title);
    expect(tasks).toEqual(expect.arrayContaining(['Qualify Gus: book a discovery call', 'Reply to Gus about a demo']));
    // A second demo request does not open a second deal.
    await core.call('events.ingest', { events: [{ contactId: id, type: 'form.submitted', data: { form: 'request-demo' } }] });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)).toHaveLength(1);
    await core.call('events.ingest', { events: [{ contactId: id, type: 'meeting.booked' }] });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)[0]!.stage).toBe('proposal');
    await core.call('events.ingest', { events: [{ contactId: id, type: 'custom', data: { name: 'proposal.sent' } }] });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)[0]!.stage).toBe('negotiation');
    // meeting.booked again would be a move backwards: ignored.
    await core.call('events.ingest', { events: [{ contactId: id, type: 'meeting.booked' }] });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)[0]!.stage).toBe('negotiation');
    tasks = (await core.call('tasks.list', {})).tasks.map((t) => t.title);
    expect(tasks).toEqual(expect.arrayContaining(['Write and send the proposal to Gus', 'Follow up on the proposal with Gus']));
    // Negotiation allows 21 days: day 20 no alert, day 22 one alert, day 30 no second one.
    clock.now += 20 * 86_400_000;
    expect((await core.call('pipeline.scan', {})).stale).toBe(0);
    clock.now += 2 * 86_400_000;
    expect((await core.call('pipeline.scan', {})).stale).toBe(1);
    clock.now += 8 * 86_400_000;
    expect((await core.call('pipeline.scan', {})).stale).toBe(0);
    expect(JSON.stringify(await core.call('escalations.list', { limit: 50 }))).toMatch(/Stale deal: Gus.*in Negotiation for 22 days \(limit 21\)/);
    await core.call('events.ingest', { events: [{ contactId: id, type: 'custom', data: { name: 'contract.signed' } }] });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)[0]!.won_at).not.toBeNull();
  });

  it('reaching SQL opens a deal; enterprise companies escalate; rules are configurable and bad rules are refused whole', async () => {
    rig = await salesRig();
    const { core } = rig;
    const id = await rig.contact('hal@corp.test', { firstName: 'Hal', custom: { employees: 5000 } });
    await core.call('contacts.update', { id, set: { stage: 'sql' } });
    await core.call('sequences.tick', {});
    expect(deals(rig, id)).toHaveLength(1);
    expect(JSON.stringify(await core.call('escalations.list', { limit: 50 }))).toContain('Enterprise-size company: Hal');
    const before = await core.call('escalationRules.get', {});
    await expect(core.call('escalationRules.set', { rules: [...before.rules, { id: 'x', when: 'score_above', title: 'No threshold' }] })).rejects.toThrow(/threshold/);
    expect((await core.call('escalationRules.get', {})).rules).toEqual(before.rules);
    await core.call('escalationRules.set', { rules: [{ id: 'purchases', when: 'event', event: 'purchase', title: 'New purchase', severity: 'info', task: true }] });
    await core.call('events.ingest', { events: [{ contactId: id, type: 'purchase', data: { value: 99 } }] });
    await core.call('sequences.tick', {});
    expect(JSON.stringify(await core.call('escalations.list', { limit: 50 }))).toContain('New purchase: Hal');
    expect((await core.call('tasks.list', {})).tasks.map((t) => t.title)).toContain('New purchase: Hal');
  });
});

describe('sequence policies', () => {
  it('per-sequence daily cap throttles to the next day; re-enrollment policy; goal completes', async () => {
    rig = await salesRig({ settings: { 'email.frequencyCap': 10 } });
    const { core, smtp, clock } = rig;
    const ids: number[] = [];
    for (const n of ['a', 'b', 'c']) ids.push(await rig.contact(`${n}@cap.test`, { timeZone: 'Europe/Berlin' }));
    await core.call('sequences.save', {
      id: 'capped',
      name: 'Capped',
      dailyCap: 2,
      goal: { event: 'purchase' },
      steps: [{ type: 'email', subject: 'One', text: 'one' }, { type: 'wait', duration: '1d' }, { type: 'email', subject: 'Two', text: 'two' }],
      window: { start: '09:00', end: '17:00', weekdaysOnly: false },
      reenroll: { policy: 'after_exit', afterDays: 7 },
    });
    await core.call('sequences.enroll', { sequenceId: 'capped', contactIds: ids });
    const r1 = await core.call('sequences.tick', {});
    expect(r1).toMatchObject({ sent: 2, deferred: 1 });
    expect(smtp.messages).toHaveLength(2);
    clock.now += 86_400_000 + 2000;
    await core.call('sequences.tick', {});
    // Still at most 2 per rolling day for this sequence: a and b got their second e-mail, c waits again.
    expect(smtp.messages).toHaveLength(4);
    expect(smtp.messages.map((m) => m.to[0])).not.toContain('c@cap.test');
    // The goal ends an enrollment as completed.
    await core.call('events.ingest', { events: [{ contactId: ids[2]!, type: 'purchase' }] });
    await core.call('sequences.tick', {});
    const e = (await core.call('sequences.enrollments', { contactId: ids[2]! })).enrollments[0]!;
    expect(e).toMatchObject({ status: 'completed', exitReason: 'goal' });
    // Re-enrollment: refused within 7 days of the end, allowed after.
    expect((await core.call('sequences.enroll', { sequenceId: 'capped', contactIds: [ids[2]!] })).skipped[0]!.reason).toMatch(/7 days/);
    clock.now += 8 * 86_400_000;
    expect((await core.call('sequences.enroll', { sequenceId: 'capped', contactIds: [ids[2]!] })).enrolled).toHaveLength(1);
    // Never two active enrollments for one contact and sequence, even written directly.
    expect(() => core.db.prepare(`INSERT INTO enrollments (sequence_id, contact_id, status, step_index, next_at, enrolled_at) VALUES ('capped', ?, 'active', 0, 0, 'x')`).run(ids[2]!)).toThrow(/UNIQUE/);
  });
});
