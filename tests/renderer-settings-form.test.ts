import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SETTINGS, settingProblem, type SettingKey } from '../shared/api';
import { draftOf, draftProblem, parseDraft, selectOptions } from '../renderer/src/pages/settings/settingsForm';

describe('settings form: one source of options per select (the setting metadata in shared/)', () => {
  const keys = Object.keys(SETTINGS) as SettingKey[];
  const enumValues = (schema: z.ZodType): string[] | null => {
    const inner = schema instanceof z.ZodNullable ? (schema.unwrap() as z.ZodType) : schema;
    return inner instanceof z.ZodEnum ? (inner.options as string[]) : null;
  };

  it('every setting of named values lists each value once, and only values its rule accepts', () => {
    const withOptions = keys.filter((k) => (SETTINGS[k] as { options?: unknown }).options);
    expect(withOptions).toEqual(expect.arrayContaining(['email.frequencyCapAction', 'notifications.minSeverity', 'tracking.clicks', 'tracking.opens', 'tracking.siteStorage']));
    for (const k of keys) {
      const values = enumValues(SETTINGS[k].schema);
      const options = (SETTINGS[k] as { options?: { value: string }[] }).options;
      if (values) expect(options?.map((o) => o.value).sort(), k).toEqual([...values].sort());
      for (const o of options ?? []) expect(settingProblem(k, o.value), `${k}=${o.value}`).toBeNull();
    }
  });

  it('a setting that may be unset offers its default first (the empty value clears it); one that may not, does not', () => {
    expect(selectOptions('tracking.clicks')).toEqual([
      { value: '', label: 'Default (auto)' },
      { value: 'auto', label: 'auto: only when the public address reaches the internet' },
      { value: 'on', label: 'on' },
      { value: 'off', label: 'off' },
    ]);
    expect(selectOptions('tracking.opens')).toEqual(selectOptions('tracking.clicks'));
    expect(selectOptions('email.frequencyCapAction').map((o) => o.label)).toEqual(['Default (wait)', 'wait until under the cap', 'drop the e-mail (the run says why)']);
    expect(selectOptions('tracking.siteStorage')[0]).toEqual({ value: '', label: 'Default (off)' });
    expect(selectOptions('notifications.minSeverity').map((o) => o.value)).toEqual(['info', 'warning', 'critical']);
    expect(parseDraft('select', selectOptions('tracking.siteStorage')[0]!.value)).toBeNull();
  });
});

describe('settings form: structured values typed as JSON (monitoring quiet hours and webhooks)', () => {
  it('parses JSON, shows the stored value as JSON, and clears on an empty box', () => {
    expect(parseDraft('json', ' {"start":"22:00","end":"07:00"} ')).toEqual({ start: '22:00', end: '07:00' });
    expect(draftOf('json', [{ url: 'https://ntfy.example/a', format: 'ntfy' }])).toBe('[{"url":"https://ntfy.example/a","format":"ntfy"}]');
    expect(parseDraft('json', draftOf('json', { start: '22:00', end: '07:00' }))).toEqual({ start: '22:00', end: '07:00' });
    expect(parseDraft('json', '  ')).toBeNull();
    expect(draftOf('json', null)).toBe('');
  });

  it('names broken JSON, then the setting\'s own rule on a well-formed but wrong value', () => {
    expect(draftProblem('monitoring.email.quietHours', 'json', '{"start": "22:00",')).toMatch(/^use JSON/);
    expect(draftProblem('monitoring.email.quietHours', 'json', '{"start":"22:00","end":"07:00"}')).toBeNull();
    expect(draftProblem('monitoring.webhooks', 'json', '[{"url":"https://hooks.example/x","format":"teams"}]')).toMatch(/slack, discord, ntfy, json/);
    expect(draftProblem('monitoring.webhooks', 'json', '[{"url":"https://hooks.example/x","format":"slack"}]')).toBeNull();
  });
});
