/**
 * Escalation rules (configurable; setting escalation.rules). They raise
 * escalations through the engine's escalation API (escalations table +
 * `escalation.raised` push event, which the desktop shows as a tray
 * notification), deduplicated by key: one per rule and contact (or deal stage).
 */
import { ApiError, describeIssues, EscalationRule, issuesOf } from '../../../shared/api';
import { z } from 'zod';
import type { Core } from '../core';
import { engineOf } from '../engine';

export { addTask } from './tasks';

export const DEFAULT_RULES: EscalationRule[] = z.array(EscalationRule).parse([
  { id: 'hot-lead', when: 'score_above', threshold: 80, severity: 'warning', title: 'Hot lead' },
  { id: 'demo-request', when: 'demo_request', severity: 'warning', title: 'Demo requested', task: true },
  { id: 'pricing-request', when: 'pricing_request', severity: 'warning', title: 'Pricing requested', task: true },
  { id: 'complaint', when: 'complaint', severity: 'critical', title: 'Spam complaint', exitSequences: true },
  { id: 'enterprise', when: 'enterprise_company', threshold: 1000, severity: 'warning', title: 'Enterprise-size company' },
  { id: 'stale-deal', when: 'stale_deal', severity: 'warning', title: 'Stale deal' },
]);

export function getRules(core: Core): EscalationRule[] {
  return core.setting<EscalationRule[] | null>('escalation.rules', null) ?? DEFAULT_RULES;
}

export function setRules(core: Core, rules: unknown): EscalationRule[] {
  const r = z.array(EscalationRule).safeParse(rules);
  if (!r.success) {
    const issues = issuesOf(r.error).map((i) => ({ ...i, path: `rules.${i.path}` }));
    throw new ApiError('invalid_input', `Invalid escalation rules: ${describeIssues(issues)}. Nothing was saved.`, issues);
  }
  const ids = new Set<string>();
  r.data.forEach((x, i) => {
    if (ids.has(x.id)) throw new ApiError('invalid_input', `rules.${i}.id: "${x.id}" is used twice.`, [{ path: `rules.${i}.id`, message: 'duplicate id' }]);
    ids.add(x.id);
  });
  core.setSetting('escalation.rules', r.data);
  return r.data;
}

export function raise(core: Core, rule: EscalationRule, key: string, detail: string, subject: string): string | null {
  return engineOf(core).raiseEscalation({ severity: rule.severity, title: `${rule.title}: ${subject}`, detail, key: `rule:${rule.id}:${key}` });
}
