/**
 * The content calendar's reschedule operation (content.calendar.move, what the Calendar view's
 * drag and drop and its "Move to" control call) on a real SQLite file: another day and/or
 * channel is stored and read back by content.calendar; a taken slot (one per channel and day),
 * a past day, an unknown channel and a produced piece are refused with the field and the fix,
 * and leave the calendar as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { firstFreeDay, slotsOf, unscheduledByChannel } from '../../renderer/src/pages/growth/model';
import type { CalendarEntry } from '../../shared/api';
import { openTestCore } from '../helpers';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

const dayOf = (core: Core, offset: number) => new Date(core.now() + offset * 86_400_000).toISOString().slice(0, 10);

function entry(core: Core, title: string, channel: string, status: string, day: string | null): number {
  return Number(core.db.prepare(`INSERT INTO growth_ideas (title, angle, channel, status, day, created_at) VALUES (?, '', ?, ?, ?, ?)`).run(title, channel, status, day, new Date(core.now()).toISOString()).lastInsertRowid);
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as { code: string; message: string; issues?: { path: string; message: string }[] },
  );

describe('content.calendar.move', () => {
  it('reschedules to another day and channel; refuses a taken slot, a past day, an unknown channel, a produced piece', async () => {
    t = await openTestCore();
    const core = t.core;
    const a = entry(core, 'Grants explained', 'blog', 'scheduled', dayOf(core, 1));
    const b = entry(core, 'LinkedIn take', 'linkedin', 'scheduled', dayOf(core, 2));
    const c = entry(core, 'Published piece', 'blog', 'produced', dayOf(core, -1));
    const slots = async () => (await core.call('content.calendar', { from: dayOf(core, -7), to: dayOf(core, 14) })).entries.map((e) => `${e.id}:${e.channel}@${e.day}`);
    const before = await slots();

    const moved = await core.call('content.calendar.move', { id: a, day: dayOf(core, 3), channel: 'linkedin' });
    expect(moved).toMatchObject({ id: a, day: dayOf(core, 3), channel: 'linkedin', status: 'scheduled' });
    expect(await slots()).toEqual(expect.arrayContaining([`${a}:linkedin@${dayOf(core, 3)}`, `${b}:linkedin@${dayOf(core, 2)}`]));
    // Only the day: the channel stays.
    expect(await core.call('content.calendar.move', { id: a, day: dayOf(core, 4) })).toMatchObject({ day: dayOf(core, 4), channel: 'linkedin' });
    // Today is allowed.
    expect(await core.call('content.calendar.move', { id: a, day: dayOf(core, 0), channel: 'blog' })).toMatchObject({ day: dayOf(core, 0), channel: 'blog' });
    const now = await slots();
    expect(now).not.toEqual(before);

    const taken = await failure(core.call('content.calendar.move', { id: a, day: dayOf(core, 2), channel: 'linkedin' }));
    expect(taken?.code).toBe('conflict');
    expect(taken?.message).toBe(`${dayOf(core, 2)} already has "LinkedIn take" on linkedin (one slot per channel and day); the next free day is ${dayOf(core, 3)}.`);

    const past = await failure(core.call('content.calendar.move', { id: a, day: dayOf(core, -1) }));
    expect(past?.code).toBe('invalid_input');
    expect(past?.issues?.[0]?.path).toBe('day');
    expect(past?.message).toBe(`${dayOf(core, -1)} is in the past: move "Grants explained" to today (${dayOf(core, 0)}) or a later day.`);

    const channel = await failure(core.call('content.calendar.move', { id: a, day: dayOf(core, 5), channel: 'tiktok' }));
    expect(channel?.code).toBe('invalid_input');
    expect(channel?.issues?.[0]?.path).toBe('channel');
    expect(channel?.message).toBe('"tiktok" is not a channel of the calendar (blog, linkedin, newsletter).');

    const produced = await failure(core.call('content.calendar.move', { id: c, day: dayOf(core, 5) }));
    expect(produced?.code).toBe('conflict');
    expect(produced?.message).toContain('"Published piece" is already produced');

    expect((await failure(core.call('content.calendar.move', { id: 9999, day: dayOf(core, 5) })))?.code).toBe('not_found');
    const badDay = await failure(core.call('content.calendar.move', { id: a, day: '5 March' }));
    expect(badDay?.code).toBe('invalid_input');
    // Nothing refused changed the calendar.
    expect(await slots()).toEqual(now);
  });
});

describe('the Unscheduled list (ideas and briefs without a day)', () => {
  it('content.calendar lists them apart (briefs first); content.calendar.move schedules one into a free slot (it becomes scheduled and leaves the list); a taken slot, a past day or an unknown channel is refused and it stays unscheduled', async () => {
    t = await openTestCore();
    const core = t.core;
    const range = { from: dayOf(core, -1), to: dayOf(core, 14) };
    const busy = entry(core, 'Already there', 'blog', 'scheduled', dayOf(core, 2));
    const a = entry(core, 'Brief without a day', 'blog', 'briefed', null);
    const b = entry(core, 'Another brief', 'newsletter', 'briefed', null);
    const raw = entry(core, 'Raw idea', 'linkedin', 'idea', null);
    entry(core, 'Dropped one', 'blog', 'dropped', null);
    const cal = await core.call('content.calendar', range);
    expect(cal.unscheduled.map((e) => [e.id, e.status, e.day])).toEqual([
      [b, 'briefed', null],
      [a, 'briefed', null],
      [raw, 'idea', null],
    ]);
    expect(cal.entries.map((e) => e.id)).toEqual([busy]);

    const taken = await failure(core.call('content.calendar.move', { id: a, day: dayOf(core, 2) }));
    expect(taken?.code).toBe('conflict');
    expect(taken?.message).toBe(`${dayOf(core, 2)} already has "Already there" on blog (one slot per channel and day); the next free day is ${dayOf(core, 3)}.`);
    expect((await failure(core.call('content.calendar.move', { id: a, day: dayOf(core, -1) })))?.issues?.[0]?.path).toBe('day');
    expect((await failure(core.call('content.calendar.move', { id: a, day: dayOf(core, 3), channel: 'tiktok' })))?.issues?.[0]?.path).toBe('channel');
    expect((await core.call('content.calendar', range)).unscheduled.map((e) => e.id)).toEqual([b, a, raw]);

    const scheduled = await core.call('content.calendar.move', { id: a, day: dayOf(core, 3) });
    expect(scheduled).toMatchObject({ id: a, day: dayOf(core, 3), channel: 'blog', status: 'scheduled' });
    const after = await core.call('content.calendar', range);
    expect(after.unscheduled.map((e) => e.id)).toEqual([b, raw]);
    expect(after.entries.map((e) => `${e.id}:${e.status}@${e.day}`)).toEqual([`${busy}:scheduled@${dayOf(core, 2)}`, `${a}:scheduled@${dayOf(core, 3)}`]);
    // Now scheduled, the slot is taken for the next one.
    expect((await failure(core.call('content.calendar.move', { id: b, day: dayOf(core, 3), channel: 'blog' })))?.code).toBe('conflict');
    // A raw idea is scheduled the same way, onto another channel.
    expect(await core.call('content.calendar.move', { id: raw, day: dayOf(core, 3), channel: 'newsletter' })).toMatchObject({ status: 'scheduled', channel: 'newsletter', day: dayOf(core, 3) });
    expect((await core.call('content.calendar', range)).unscheduled.map((e) => e.id)).toEqual([b]);
  });
});

describe('the calendar view-model', () => {
  const e = (id: number, channel: string, day: string | null, status: CalendarEntry['status'] = 'scheduled'): CalendarEntry => ({ id, title: `#${id}`, angle: '', channel, day, status, trend: null, lifecycle: null, brief: null, link: null, createdAt: '2026-03-01T00:00:00Z' });

  it('puts entries in their slot (none without a day), finds a channel\'s first free day, and groups the unscheduled by the calendar\'s channel order', () => {
    const entries = [e(1, 'blog', '2026-03-02'), e(2, 'blog', '2026-03-03', 'produced'), e(3, 'blog', '2026-03-04', 'briefed'), e(4, 'linkedin', '2026-03-02'), e(5, 'blog', null, 'briefed')];
    const slots = slotsOf(entries);
    expect([...slots.keys()]).toEqual(['blog@2026-03-02', 'blog@2026-03-03', 'blog@2026-03-04', 'linkedin@2026-03-02']);
    expect(slots.get('blog@2026-03-02')!.map((x) => x.id)).toEqual([1]);
    // 2 and 3 are scheduled/produced; a briefed entry with a day does not take the slot (as the operation counts).
    expect(firstFreeDay(entries, 'blog', '2026-03-02')).toBe('2026-03-04');
    expect(firstFreeDay(entries, 'linkedin', '2026-03-02')).toBe('2026-03-03');
    expect(firstFreeDay(entries, 'newsletter', '2026-03-02')).toBe('2026-03-02');
    // Across a month's end.
    expect(firstFreeDay([e(6, 'blog', '2026-02-28')], 'blog', '2026-02-28')).toBe('2026-03-01');
    const lanes = unscheduledByChannel([e(7, 'newsletter', null, 'briefed'), e(8, 'podcast', null, 'briefed'), e(9, 'blog', null, 'briefed'), e(10, 'newsletter', null, 'briefed')], ['blog', 'linkedin', 'newsletter']);
    expect(lanes.map((g) => [g.channel, g.entries.map((x) => x.id)])).toEqual([
      ['blog', [9]],
      ['newsletter', [7, 10]],
      ['podcast', [8]],
    ]);
  });
});
