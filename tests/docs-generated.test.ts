/**
 * docs/workflows.md lists every node and event type from the registry, and every
 * shipped template from its file, so it cannot drift from the code.
 * `npm run docs:gen` rewrites the generated parts.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOMAINS } from '../electron/core';
import { EventTypes } from '../electron/core/domain';
import { eventTable, nodeTable } from '../electron/core/engine/catalog';
import { threadNodes } from '../electron/core/nodes';
import { describeTrigger, parseTemplate } from '../electron/core/setup/templates';

const FILE = resolve(import.meta.dirname, '../docs/workflows.md');
const TEMPLATES = resolve(import.meta.dirname, '../resources/templates');

const NEED: Record<string, string> = { smtp: 'SMTP', imap: 'the reply mailbox (IMAP)', anthropic: 'an Anthropic key', wordpress: 'WordPress', stripe: 'the Stripe secrets' };
const need = (id: string): string => {
  if (NEED[id]) return NEED[id];
  const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
  return kind === 'setting' ? `\`${name}\`` : kind === 'hook-secret' ? `the /hooks/${name} secret` : `${kind} \`${name}\``;
};
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One row per file of resources/templates: trigger, what it needs, what it brings, what it does. */
function templateTable(): string {
  const rows = readdirSync(TEMPLATES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const t = parseTemplate(f, JSON.parse(readFileSync(join(TEMPLATES, f), 'utf8')) as unknown);
      const brings = [...t.meta.sequences.map((x) => `sequence \`${x}\``), ...t.meta.forms.map((x) => `form \`${x.slug}\``), ...t.meta.segments.map((x) => `segment "${x.name}"`)];
      return `| \`${t.id}\` | ${cell(describeTrigger(t.workflow.trigger))} | ${t.meta.requires.map(need).join(', ') || 'nothing'} | ${brings.join(', ') || '–'} | ${cell(`${t.meta.when}. ${t.meta.then}.`)} |`;
    });
  return ['| template | trigger | needs | brings | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

function generated(): Record<string, string> {
  const events = new EventTypes();
  for (const d of DOMAINS) if (d.events) events.add(d.id, d.events);
  return { nodes: nodeTable(threadNodes()), events: eventTable(events), templates: templateTable() };
}

function fill(doc: string, parts: Record<string, string>): string {
  let out = doc;
  for (const [name, body] of Object.entries(parts)) {
    const re = new RegExp(`(<!-- generated:${name}[^>]*-->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/workflows.md has no generated:${name} markers`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}

describe('docs/workflows.md', () => {
  it('lists every node type and every event type of the registry, and every shipped template', () => {
    const doc = readFileSync(FILE, 'utf8');
    const want = fill(doc, generated());
    if (process.env.UPDATE_DOCS) writeFileSync(FILE, want);
    else expect(doc, 'run `npm run docs:gen` to regenerate the node, event and template tables').toBe(want);
    for (const t of threadNodes().types()) expect(want).toContain(`| \`${t}\` |`);
    for (const f of readdirSync(TEMPLATES).filter((x) => x.endsWith('.json'))) expect(want).toContain(`| \`${f.replace(/\.json$/, '')}\` |`);
  });
});
