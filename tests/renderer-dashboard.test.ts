/** Pure pieces of the Dashboard and the escalation toasts: date ranges, changes, notification preferences. */
import { describe, expect, it } from 'vitest';
import { addDays, delta, isDay, presetRange, rangeProblem } from '../renderer/src/api/dashboardRange';
import { shouldNotify, useToasts, webPrefsFrom, MAX_TOASTS } from '../renderer/src/api/toasts';

describe('dashboard date range', () => {
  it('presets end today (UTC days, inclusive)', () => {
    expect(presetRange('7d', '2025-03-10')).toEqual({ from: '2025-03-04', to: '2025-03-10' });
    expect(presetRange('30d', '2025-03-10')).toEqual({ from: '2025-02-09', to: '2025-03-10' });
    expect(presetRange('90d', '2024-03-01')).toEqual({ from: '2023-12-03', to: '2024-03-01' });
    expect(presetRange('month', '2025-03-10')).toEqual({ from: '2025-03-01', to: '2025-03-10' });
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });
  it('refuses a bad custom range with a sentence', () => {
    expect(rangeProblem('2025-03-01', '2025-03-07')).toBeNull();
    expect(rangeProblem('', '2025-03-07')).toBe('Enter a start date.');
    expect(rangeProblem('2025-02-30', '2025-03-07')).toBe('Enter a start date.');
    expect(rangeProblem('2025-03-08', '2025-03-07')).toBe('The start date must be on or before the end date.');
    expect(isDay('2025-13-01')).toBe(false);
  });
  it('change against the previous period', () => {
    expect(delta(120, 100)).toEqual({ pct: 20, dir: 'up' });
    expect(delta(50, 69)).toEqual({ pct: -27.5, dir: 'down' });
    expect(delta(5, 0)).toEqual({ pct: null, dir: 'up' });
    expect(delta(0, 0)).toEqual({ pct: null, dir: 'flat' });
  });
});

describe('escalation notifications', () => {
  it('follow notifications.* settings, defaulting to warning and above', () => {
    const d = webPrefsFrom({});
    expect([shouldNotify('info', d), shouldNotify('warning', d), shouldNotify('critical', d)]).toEqual([false, true, true]);
    expect(shouldNotify('info', webPrefsFrom({ 'notifications.minSeverity': 'info' }))).toBe(true);
    expect(shouldNotify('critical', webPrefsFrom({ 'notifications.enabled': false }))).toBe(false);
    // A bad value keeps the default.
    expect(webPrefsFrom({ 'notifications.minSeverity': 'loud' }).minSeverity).toBe('warning');
    const quiet = webPrefsFrom({ 'notifications.quietHours': { start: '22:00', end: '07:00' } });
    const night = new Date(2025, 2, 1, 23, 30);
    expect(shouldNotify('warning', quiet, night)).toBe(false);
    expect(shouldNotify('critical', quiet, night)).toBe(true);
    expect(shouldNotify('warning', quiet, new Date(2025, 2, 1, 12, 0))).toBe(true);
  });
  it('the toast store keeps one toast per escalation and at most a few', () => {
    const { push, dismiss } = useToasts.getState();
    push({ id: 'a', severity: 'warning', title: 'A', detail: '' });
    push({ id: 'a', severity: 'warning', title: 'A again', detail: '' });
    expect(useToasts.getState().toasts.map((t) => t.title)).toEqual(['A']);
    for (let i = 0; i < 10; i++) push({ id: `x${i}`, severity: 'info', title: `X${i}`, detail: '' });
    expect(useToasts.getState().toasts).toHaveLength(MAX_TOASTS);
    expect(useToasts.getState().toasts.at(-1)?.id).toBe('x9');
    dismiss('x9');
    expect(useToasts.getState().toasts.some((t) => t.id === 'x9')).toBe(false);
    // A burst of lesser ones does not push a critical one out.
    push({ id: 'c', severity: 'critical', title: 'C', detail: '' });
    for (let i = 0; i < 10; i++) push({ id: `w${i}`, severity: 'warning', title: `W${i}`, detail: '' });
    expect(useToasts.getState().toasts.map((t) => t.id)).toEqual(['c', 'w8', 'w9']);
    expect(useToasts.getState().overflow).toBeGreaterThan(0);
    useToasts.getState().dismissAll();
    expect(useToasts.getState()).toMatchObject({ toasts: [], overflow: 0 });
  });
});
