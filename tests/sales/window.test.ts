import { describe, expect, it } from 'vitest';
import { localParts, nextOpenSlot, zonedToUtc } from '../../electron/core/sales/window';

const W = { start: '09:00', end: '17:00', weekdaysOnly: true };
const iso = (ms: number) => new Date(ms).toISOString();

describe('send windows (pure, injectable instant)', () => {
  it('keeps an instant inside the window', () => {
    const at = Date.parse('2026-03-02T09:30:00Z'); // Mon 10:30 Berlin
    expect(nextOpenSlot(at, W, 'Europe/Berlin')).toBe(at);
  });
  it('moves early morning to the start, evening to the next day, Friday evening to Monday', () => {
    expect(iso(nextOpenSlot(Date.parse('2026-03-02T05:00:00Z'), W, 'Europe/Berlin'))).toBe('2026-03-02T08:00:00.000Z');
    expect(iso(nextOpenSlot(Date.parse('2026-03-02T17:00:00Z'), W, 'Europe/Berlin'))).toBe('2026-03-03T08:00:00.000Z');
    expect(iso(nextOpenSlot(Date.parse('2026-03-06T16:30:00Z'), W, 'Europe/Berlin'))).toBe('2026-03-09T08:00:00.000Z');
    expect(iso(nextOpenSlot(Date.parse('2026-03-07T12:00:00Z'), { ...W, weekdaysOnly: false }, 'Europe/Berlin'))).toBe('2026-03-07T12:00:00.000Z');
  });
  it('uses the contact zone: the same instant is open in New York and closed in Tokyo', () => {
    const at = Date.parse('2026-03-02T15:00:00Z'); // 10:00 NY, 00:00 Tokyo (Tue)
    expect(nextOpenSlot(at, W, 'America/New_York')).toBe(at);
    expect(iso(nextOpenSlot(at, W, 'Asia/Tokyo'))).toBe('2026-03-03T00:00:00.000Z'); // Tue 09:00 JST
  });
  it('is DST-safe: 09:00 local before and after the spring-forward weekend', () => {
    // Europe switches on 2026-03-29 (Sunday): Friday 09:00 = 08:00Z, Monday 09:00 = 07:00Z.
    expect(iso(nextOpenSlot(Date.parse('2026-03-27T20:00:00Z'), W, 'Europe/Berlin'))).toBe('2026-03-30T07:00:00.000Z');
    // US switches on 2026-03-08.
    expect(iso(nextOpenSlot(Date.parse('2026-03-06T23:00:00Z'), W, 'America/New_York'))).toBe('2026-03-09T13:00:00.000Z');
  });
  it('a window start inside the DST gap moves to the first instant after it', () => {
    const t = zonedToUtc(2026, 3, 29, 2, 30, 'Europe/Berlin'); // 02:30 does not exist
    const p = localParts(t, 'Europe/Berlin');
    expect(p.hour).toBe(3);
    expect(iso(nextOpenSlot(Date.parse('2026-03-28T23:00:00Z'), { start: '02:30', end: '05:00', weekdaysOnly: false }, 'Europe/Berlin'))).toBe(iso(t));
  });
});
