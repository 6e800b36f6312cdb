/**
 * sequences.enrollSegment: a segment's contacts enrolled in a sequence, previewed first with the very
 * checks of enrolling (dry run: nothing stored), skipped contacts grouped by reason (unsubscribed,
 * already enrolled, re-enrollment policy), the per-contact cap counted, and nothing sent until the
 * sequence's own tick. Real core, real SQLite, real SMTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { salesRig, type SalesRig } from './rig';

let rig: SalesRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('enroll a segment in a sequence', () => {
  it('previews exactly what enrolling does, skips with reasons, counts the per-contact cap, sends nothing at once', async () => {
    rig = await salesRig({ settings: { 'email.frequencyCap': 1 } });
    const { core, smtp } = rig;
    const ids: number[] = [];
    for (const n of ['ann', 'ben', 'cat', 'dan', 'eli', 'fay']) ids.push(await rig.contact(`${n}@seg.test`, { firstName: n, tags: ['beta'] }));
    await rig.contact('out@seg.test', { firstName: 'Out' }); // not in the segment
    const seg = await core.call('segments.save', { name: 'Beta', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'beta' }] } });
    const mail = (subject: string) => [{ type: 'email' as const, subject, text: 'Hi {{ contact.first_name }}' }];
    await core.call('sequences.save', { id: 'intro', name: 'Intro', steps: mail('Intro'), window: { start: '00:00', end: '23:59', weekdaysOnly: false } });
    await core.call('sequences.save', { id: 'welcome', name: 'Welcome', steps: mail('Welcome'), window: { start: '00:00', end: '23:59', weekdaysOnly: false }, dailyCap: 50 });

    // cat got an e-mail today (the per-contact cap is 1), ann unsubscribed, ben is already in Welcome.
    await core.call('sequences.enroll', { sequenceId: 'intro', contactIds: [ids[2]!] });
    await core.call('sequences.tick', {});
    await smtp.waitFor(1);
    await core.call('email.suppressions.add', { email: 'ann@seg.test', reason: 'unsubscribed' });
    await core.call('sequences.enroll', { sequenceId: 'welcome', contactIds: [ids[1]!] });
    const enrollments = async () => (await core.call('sequences.enrollments', { sequenceId: 'welcome' })).enrollments.map((e) => e.contactId).sort();
    expect(await enrollments()).toEqual([ids[1]]);

    const preview = await core.call('sequences.enrollSegment', { sequenceId: 'welcome', segmentId: seg.id, dryRun: true });
    expect(preview).toMatchObject({
      dryRun: true,
      matched: 6,
      enrolled: 4,
      capped: 1,
      perContactCap: 1,
      perContactCapDays: 1,
      sequence: { id: 'welcome', name: 'Welcome', enabled: true, firstStep: 'email', dailyCap: 50 },
      segment: { id: seg.id, name: 'Beta' },
    });
    expect(preview.skipped).toEqual([
      { reason: 'already active in this sequence', count: 1, contactIds: [ids[1]] },
      { reason: 'suppressed (unsubscribed)', count: 1, contactIds: [ids[0]] },
    ]);
    // The preview stored nothing.
    expect(await enrollments()).toEqual([ids[1]]);

    const done = await core.call('sequences.enrollSegment', { sequenceId: 'welcome', segmentId: seg.id });
    expect({ ...done, dryRun: true }).toEqual(preview);
    expect(await enrollments()).toEqual([ids[1], ids[2], ids[3], ids[4], ids[5]]);
    // Nothing was sent by enrolling: only cat's earlier Intro.
    expect(smtp.messages).toHaveLength(1);
    // The sequence's tick sends: everyone enrolled except cat, who waits for the per-contact cap.
    await core.call('sequences.tick', {});
    await smtp.waitFor(5);
    expect(smtp.messages.filter((m) => m.parsed.subject === 'Welcome').map((m) => m.to[0]).sort()).toEqual(['ben@seg.test', 'dan@seg.test', 'eli@seg.test', 'fay@seg.test']);

    // Again: everyone is skipped now, nothing stored.
    const again = await core.call('sequences.enrollSegment', { sequenceId: 'welcome', segmentId: seg.id, dryRun: true });
    expect(again.enrolled).toBe(0);
    expect(again.skipped.reduce((n, s) => n + s.count, 0)).toBe(6);

    // Unknown ids are named.
    await expect(core.call('sequences.enrollSegment', { sequenceId: 'welcome', segmentId: 9999 })).rejects.toThrow(/segmentId: no segment with id 9999/);
    await expect(core.call('sequences.enrollSegment', { sequenceId: 'nope', segmentId: seg.id })).rejects.toThrow(/sequenceId: there is no sequence "nope"/);
  });
});
