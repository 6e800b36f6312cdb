import { describe, expect, it } from 'vitest';
import { draftOf, draftProblem, parseDraft } from '../renderer/src/pages/settings/settingsForm';

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
