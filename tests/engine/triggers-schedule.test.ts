import { describe, expect, it } from 'vitest';
import {
  dueFires,
  nextFire,
  nextFires,
  parseDuration,
  ScheduleError,
  scheduleIssues,
  type ScheduleSpec,
} from '../../electron/core/engine/triggers/schedule';

const iso = (d: Date[]) => d.map((x) => x.toISOString());
const D = (s: string) => new Date(s);

/** Drive dueFires the way the scheduler does: a tick every `stepMs`, each tick continuing where the last one stopped. */
function simulate(spec: ScheduleSpec, from: string, to: string, stepMs = 30_000): string[] {
  const fired: string[] = [];
  let handled = D(from);
  for (let t = D(from).getTime() + stepMs; t <= D(to).getTime(); t += stepMs) {
    const r = dueFires(spec, handled, new Date(t));
    fired.push(...iso(r.fire));
    handled = r.handledUntil;
  }
  return fired;
}

describe('schedule math: DST', () => {
  it('Europe/Paris 30 2 * * *: spring-forward fires once at 03:00 CEST, fall-back fires once', () => {
    expect(iso(nextFires('30 2 * * *', 'Europe/Paris', D('2025-03-28T12:00:00Z'), D('2025-04-01T12:00:00Z')))).toEqual([
      '2025-03-29T01:30:00.000Z', // 02:30 CET
      '2025-03-30T01:00:00.000Z', // 02:30 does not exist: first valid instant, 03:00 CEST
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
      '2025-04-01T00:30:00.000Z',
    ]);
    expect(iso(nextFires('30 2 * * *', 'Europe/Paris', D('2025-10-24T12:00:00Z'), D('2025-10-28T12:00:00Z')))).toEqual([
      '2025-10-25T00:30:00.000Z', // 02:30 CEST
      '2025-10-26T00:30:00.000Z', // 02:30 CEST, first occurrence; the repeated 02:30 CET (01:30Z) does not fire
      '2025-10-27T01:30:00.000Z', // 02:30 CET
      '2025-10-28T01:30:00.000Z',
    ]);
  });

  it('America/New_York 30 2 * * *: spring-forward fires at 03:00 EDT; fall-back day fires once', () => {
    expect(iso(nextFires('30 2 * * *', 'America/New_York', D('2025-03-07T12:00:00Z'), D('2025-03-10T12:00:00Z')))).toEqual([
      '2025-03-08T07:30:00.000Z',
      '2025-03-09T07:00:00.000Z', // 03:00 EDT
      '2025-03-10T06:30:00.000Z',
    ]);
    expect(iso(nextFires('30 2 * * *', 'America/New_York', D('2025-10-31T12:00:00Z'), D('2025-11-03T12:00:00Z')))).toEqual([
      '2025-11-01T06:30:00.000Z',
      '2025-11-02T07:30:00.000Z',
      '2025-11-03T07:30:00.000Z',
    ]);
    // 01:30 is the hour New York repeats: it fires once, at the first (EDT) occurrence.
    expect(iso(nextFires('30 1 * * *', 'America/New_York', D('2025-11-01T12:00:00Z'), D('2025-11-02T12:00:00Z')))).toEqual([
      '2025-11-02T05:30:00.000Z',
    ]);
  });

  it('a list of hours is fixed-time too; an interval keeps running in real time through the repeated hour', () => {
    expect(iso(nextFires('30 2,14 * * *', 'Europe/Paris', D('2025-10-25T23:00:00Z'), D('2025-10-26T23:00:00Z')))).toEqual([
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T13:30:00.000Z',
    ]);
    expect(nextFires('0 * * * *', 'Europe/Paris', D('2025-10-25T22:30:00Z'), D('2025-10-26T03:30:00Z'))).toHaveLength(5);
  });

  it('a scheduler ticking every 30 s through both transitions starts each daily fire exactly once', () => {
    const paris = { cron: '30 2 * * *', timezone: 'Europe/Paris' };
    expect(simulate(paris, '2025-03-29T22:00:00Z', '2025-03-30T04:00:00Z')).toEqual(['2025-03-30T01:00:00.000Z']);
    expect(simulate(paris, '2025-10-25T22:00:00Z', '2025-10-26T04:00:00Z')).toEqual(['2025-10-26T00:30:00.000Z']);
    const ny = { cron: '30 2 * * *', timezone: 'America/New_York' };
    expect(simulate(ny, '2025-03-09T04:00:00Z', '2025-03-09T10:00:00Z')).toEqual(['2025-03-09T07:00:00.000Z']);
    expect(simulate({ ...ny, cron: '30 1 * * *' }, '2025-11-02T03:00:00Z', '2025-11-02T09:00:00Z')).toEqual(['2025-11-02T05:30:00.000Z']);
  });
});

describe('schedule math: catch-up after a 3-day sleep', () => {
  // Every day at 09:00 Paris (07:00Z in June). Last handled Monday 08:00, woken Thursday 12:00.
  const spec = { cron: '0 9 * * *', timezone: 'Europe/Paris' };
  const last = D('2025-06-02T06:00:00Z');
  const now = D('2025-06-05T10:00:00Z');

  it('skip: nothing runs, the 4 missed fires are counted as skipped', () => {
    const r = dueFires(spec, last, now, 'skip');
    expect(r.fire).toEqual([]);
    expect(r.skipped).toBe(4);
    expect(r.handledUntil).toEqual(now);
  });

  it('once (the default): only the most recent missed fire runs', () => {
    const r = dueFires(spec, last, now);
    expect(iso(r.fire)).toEqual(['2025-06-05T07:00:00.000Z']);
    expect(r.skipped).toBe(3);
  });

  it('all: every missed fire runs, oldest first', () => {
    const r = dueFires(spec, last, now, 'all');
    expect(iso(r.fire)).toEqual(['2025-06-02T07:00:00.000Z', '2025-06-03T07:00:00.000Z', '2025-06-04T07:00:00.000Z', '2025-06-05T07:00:00.000Z']);
    expect(r.skipped).toBe(0);
  });

  it('the window bounds the catch-up; older fires never run', () => {
    const r = dueFires(spec, last, now, 'all', '2d');
    expect(iso(r.fire)).toEqual(['2025-06-04T07:00:00.000Z', '2025-06-05T07:00:00.000Z']);
    expect(r.skipped).toBe(2);
    expect(iso(dueFires(spec, last, now, 'once', '1h').fire)).toEqual([]);
  });

  it('an on-time fire runs under every policy; a second call at the same instant runs nothing again', () => {
    const wake = D('2025-06-05T07:00:20Z');
    for (const policy of ['skip', 'once', 'all'] as const) {
      const r = dueFires(spec, last, wake, policy);
      expect(iso(r.fire).at(-1)).toBe('2025-06-05T07:00:00.000Z');
      expect(dueFires(spec, r.handledUntil, wake, policy).fire).toEqual([]);
    }
  });

  it('"all" after a long sleep on a per-minute cron is delivered in bounded batches that resume', () => {
    const every = { cron: '* * * * *', timezone: 'UTC' };
    const start = D('2025-06-01T00:00:00Z');
    const wake = D('2025-06-02T00:00:00Z');
    let handled = start;
    let total = 0;
    for (let i = 0; i < 5 && handled < wake; i++) {
      const r = dueFires(every, handled, wake, 'all', '3d', { limit: 500 });
      total += r.fire.length;
      handled = r.handledUntil;
    }
    expect(total).toBe(1440);
    expect(handled).toEqual(wake);
  });
});

describe('schedule validation', () => {
  it('bad cron and bad time zone name the field and the fix', () => {
    const issues = scheduleIssues({ cron: '61 * * * *', timezone: 'Europe/Pariss' });
    expect(issues.map((i) => i.path)).toEqual(['trigger.cron', 'trigger.timezone']);
    expect(issues[0]!.message).toMatch(/not a valid cron expression.*minute.*e\.g\. "30 2 \* \* \*"/);
    expect(issues[1]!.message).toMatch(/"Europe\/Pariss" is not a known time zone: use an IANA time zone name such as "Europe\/Paris"/);
    expect(scheduleIssues({ cron: '* * *', timezone: 'UTC' })[0]!.message).toMatch(/has 3 field\(s\)/);
    expect(scheduleIssues({ timezone: 'UTC' })[0]).toMatchObject({ path: 'trigger.cron' });
    expect(scheduleIssues({ cron: '0 9 * * *', timezone: 'UTC', catchUp: 'twice' as never, catchUpWindow: 'soon' }).map((i) => i.path)).toEqual([
      'trigger.catchUp',
      'trigger.catchUpWindow',
    ]);
    expect(scheduleIssues({ cron: '0 9 * * 1-5', timezone: 'America/New_York', catchUp: 'all', catchUpWindow: '3d' })).toEqual([]);
    expect(() => nextFires('nope', 'UTC', D('2025-01-01T00:00:00Z'), D('2025-01-02T00:00:00Z'))).toThrow(ScheduleError);
  });

  it('parses durations', () => {
    expect(parseDuration('3d')).toBe(3 * 86_400_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration('3 days')).toBeNull();
  });

  it('nextFire for workflows.list', () => {
    const wf = { enabled: true, trigger: { type: 'schedule', cron: '0 9 * * *', timezone: 'Europe/Paris' } };
    expect(nextFire(wf, D('2025-06-05T10:00:00Z'))?.toISOString()).toBe('2025-06-06T07:00:00.000Z');
    expect(nextFire({ ...wf, enabled: false }, D('2025-06-05T10:00:00Z'))).toBeNull();
    expect(nextFire({ trigger: { type: 'manual' } })).toBeNull();
  });
});
