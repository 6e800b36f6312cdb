/**
 * The content calendar's reschedule operation (content.calendar.move, what the Calendar view's
 * drag and drop and its "Move to" control call) on a real SQLite file: another day and/or
 * channel is stored and read back by content.calendar; a taken slot (one per channel and day),
 * a past day, an unknown channel and a produced piece are refused with the field and the fix,
 * and leave the calendar as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { openTestCore } from '../helpers';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

const dayOf = (core: Core, offset: number) => new Date(core.now() + offset * 86_400_000).toISOString().slice(0, 10);

function entry(core: Core, title: string, channel: string, status: string, day: string): number {
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
