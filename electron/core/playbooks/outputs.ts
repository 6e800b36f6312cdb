/**
 * Reading the team's outputs that act (docs/playbooks.md, "Outputs that act"):
 * the onboarding e-mails of Customer Success and the campaign designs of
 * Demand Generation, written in Markdown sections with a few labelled lines.
 * Pure functions: the same file always gives the same sequence or plan, and
 * what cannot be read is named (section and line) rather than guessed.
 */
import type { PlaybookCampaignItem } from '../../../shared/api';

export interface Issue {
  path: string;
  message: string;
}

interface Section {
  title: string;
  line: number;
  fields: Map<string, string>;
  body: string[];
}

/** Split Markdown into heading sections; `keys` are the labelled lines ("Subject: …") read as fields. */
function sections(text: string, keys: readonly string[]): Section[] {
  const field = new RegExp(`^\\s*(?:[-*+]\\s+)?(?:\\*\\*|__)?\\s*(${keys.join('|')})\\s*(?:\\*\\*|__)?\\s*:\\s*(?:\\*\\*|__)?\\s*(.*?)\\s*$`, 'i');
  const out: Section[] = [];
  let cur: Section | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (h) {
      cur = { title: h[1]!.replace(/[*_`]/g, '').trim(), line: i + 1, fields: new Map(), body: [] };
      out.push(cur);
      return;
    }
    if (!cur) return;
    const f = field.exec(raw);
    if (f) {
      const key = f[1]!.toLowerCase().replace(/\s+/g, ' ');
      const value = f[2]!.replace(/^(\*\*|__)|(\*\*|__)$/g, '').trim();
      if (key === 'body') {
        if (value) cur.body.push(value);
      } else if (!cur.fields.has(key)) cur.fields.set(key, value);
      return;
    }
    cur.body.push(raw);
  });
  return out;
}

const trimLines = (lines: string[]) => lines.join('\n').replace(/^\s*\n/, '').replace(/\s+$/, '').replace(/^\n+/, '');

const UNIT_DAYS: Record<string, number> = { m: 1 / 1440, min: 1 / 1440, minute: 1 / 1440, h: 1 / 24, hour: 1 / 24, d: 1, day: 1, w: 7, week: 7 };
/** "2 days", "48 hours", "1 week", "3" (days) -> days; null when unreadable. */
export function daysOf(s: string): number | null {
  const m = /(\d+(?:[.,]\d+)?)\s*(minutes?|mins?|m|hours?|h|days?|d|weeks?|w)?\b/i.exec(s);
  if (!m) return null;
  const unit = (m[2] ?? 'd').toLowerCase().replace(/s$/, '').replace(/^mins?$/, 'min');
  const per = UNIT_DAYS[unit] ?? UNIT_DAYS[unit[0]!] ?? 1;
  return Number(m[1]!.replace(',', '.')) * per;
}

/** Days as a sequence wait duration (whole days, else hours, else minutes). */
export function durationOf(days: number): string {
  const min = Math.round(days * 1440);
  if (min % 1440 === 0) return `${min / 1440}d`;
  if (min % 60 === 0) return `${min / 60}h`;
  return `${min}m`;
}

export interface OnboardingEmail {
  title: string;
  subject: string;
  body: string;
  /** Days after the previous e-mail (the first: after enrolment). */
  afterDays: number;
}

export const ONBOARDING_FORMAT =
  'one section per e-mail: a heading (## Email 1: Welcome), a line "Subject: …", a line "Delay: 2 days" (after the previous e-mail; or "Day: 3" counted from the start), then the body';

/**
 * The onboarding e-mails of a Customer Success file: every heading section
 * with a Subject line is an e-mail; its delay comes from "Delay:"/"Wait:"
 * (after the previous e-mail) or "Day:"/"Send:" or a heading "Day N" (from
 * the start); the rest of the section is the body.
 */
export function parseOnboarding(text: string, path: string): { emails: OnboardingEmail[]; issues: Issue[] } {
  const emails: OnboardingEmail[] = [];
  const issues: Issue[] = [];
  let at = 0;
  for (const s of sections(text, ['subject', 'delay', 'wait', 'send', 'day', 'body'])) {
    const subject = s.fields.get('subject');
    if (subject === undefined) continue;
    const where = `${path}:${s.line}`;
    const name = `e-mail "${s.title}"`;
    if (!subject) {
      issues.push({ path: where, message: `${name}: its Subject line is empty; write the subject after "Subject:"` });
      continue;
    }
    const body = trimLines(s.body);
    if (!body) {
      issues.push({ path: where, message: `${name}: no body under the Subject line; write the e-mail's text` });
      continue;
    }
    const rel = s.fields.get('delay') ?? s.fields.get('wait');
    const abs = s.fields.get('day') ?? s.fields.get('send') ?? /\bday\s+(\d+)\b/i.exec(s.title)?.[1];
    let when: number;
    if (rel !== undefined && daysOf(rel) !== null) when = at + daysOf(rel)!;
    else if (abs !== undefined && daysOf(abs) !== null) {
      when = daysOf(abs)!;
      if (when < at) issues.push({ path: where, message: `${name}: day ${when} comes before the previous e-mail (day ${at}); it is sent right after it` });
      when = Math.max(when, at);
    } else {
      when = emails.length ? at + 1 : 0;
      if (emails.length) issues.push({ path: where, message: `${name}: no "Delay:" line; it is sent 1 day after the previous e-mail` });
    }
    emails.push({ title: s.title, subject, body, afterDays: Math.round((when - at) * 1440) / 1440 });
    at = when;
  }
  return { emails, issues };
}

/** A number in a budget ("1,200 EUR", "€1 200", "1.5k", "2 000,50") -> 1200, 1200, 1500, 2000.5; null when none. */
export function amountOf(s: string): number | null {
  const m = /(\d[\d\s.,\u00a0\u202f']*)\s*(k|m)?\b/i.exec(s);
  if (!m) return null;
  let n = m[1]!.replace(/[\s\u00a0\u202f']/g, '').replace(/[.,]$/, '');
  const lastDot = n.lastIndexOf('.');
  const lastComma = n.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const dec = lastDot > lastComma ? '.' : ',';
    n = n.replace(dec === '.' ? /,/g : /\./g, '').replace(',', '.');
  } else if (lastComma >= 0) {
    // "1,200" (thousands) vs "12,5" (decimals)
    n = /,\d{3}$/.test(n) ? n.replace(/,/g, '') : n.replace(/,/g, '.');
  } else if ((n.match(/\./g) ?? []).length > 1) n = n.replace(/\./g, '');
  const v = Number(n);
  if (!Number.isFinite(v)) return null;
  const mult = m[2]?.toLowerCase() === 'k' ? 1000 : m[2]?.toLowerCase() === 'm' ? 1_000_000 : 1;
  return Math.round(v * mult * 100) / 100;
}

/** "150%" -> 1.5; "1.5" -> 1.5; "3x" (return on spend) -> 2. */
export function roiOf(s: string): number | null {
  const m = /(-?\d+(?:[.,]\d+)?)\s*(%|x)?/i.exec(s);
  if (!m) return null;
  const v = Number(m[1]!.replace(',', '.'));
  if (m[2] === '%') return Math.round(v) / 100;
  if (m[2]?.toLowerCase() === 'x') return Math.round((v - 1) * 100) / 100;
  return v;
}

export const CAMPAIGNS_FORMAT =
  'one section per campaign: a heading (## Campaign: Designers on LinkedIn) with the lines "Channel: …", "Audience: …", "Offer: …", "Budget: 1200 EUR", and optionally "Leads: 80" and "Expected ROI: 150%"';

/** The campaigns of a Demand Generation file: every heading section with a Channel line. */
export function parseCampaigns(text: string, path: string): { items: PlaybookCampaignItem[]; issues: Issue[] } {
  const items: PlaybookCampaignItem[] = [];
  const issues: Issue[] = [];
  for (const s of sections(text, ['channel', 'audience', 'offer', 'budget', 'leads', 'expected roi', 'roi'])) {
    const channel = s.fields.get('channel');
    if (channel === undefined) continue;
    const name = s.title.replace(/^campaign\s*\d*\s*[:.–-]\s*/i, '').trim() || s.title;
    const where = `${path}:${s.line}`;
    const missing = (['channel', 'audience', 'offer', 'budget'] as const).filter((k) => !s.fields.get(k));
    if (missing.length) {
      issues.push({ path: where, message: `campaign "${name}": no ${missing.map((k) => `"${k[0]!.toUpperCase()}${k.slice(1)}:"`).join(', ')} line; it is left out` });
      continue;
    }
    const budget = amountOf(s.fields.get('budget')!);
    if (budget === null) {
      issues.push({ path: where, message: `campaign "${name}": the budget "${s.fields.get('budget')}" has no amount; write it as "Budget: 1200 EUR"` });
      continue;
    }
    const roiText = s.fields.get('expected roi') ?? s.fields.get('roi');
    const leadsText = s.fields.get('leads');
    const leads = leadsText ? amountOf(leadsText) : null;
    items.push({
      name: name.slice(0, 200),
      channel: channel.slice(0, 100),
      audience: s.fields.get('audience')!.slice(0, 300),
      offer: s.fields.get('offer')!.slice(0, 300),
      budget,
      expectedRoi: roiText ? roiOf(roiText) : null,
      leads: leads === null ? null : Math.round(leads),
    });
  }
  return { items, issues };
}
