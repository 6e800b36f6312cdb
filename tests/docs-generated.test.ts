/**
 * docs/workflows.md lists every node and event type from the registry, so it
 * cannot drift from the code. `npm run docs:gen` rewrites the generated parts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOMAINS } from '../electron/core';
import { EventTypes } from '../electron/core/domain';
import { eventTable, nodeTable } from '../electron/core/engine/catalog';
import { threadNodes } from '../electron/core/nodes';

const FILE = resolve(import.meta.dirname, '../docs/workflows.md');

function generated(): Record<string, string> {
  const events = new EventTypes();
  for (const d of DOMAINS) if (d.events) events.add(d.id, d.events);
  return { nodes: nodeTable(threadNodes()), events: eventTable(events) };
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
  it('lists every node type and every event type of the registry', () => {
    const doc = readFileSync(FILE, 'utf8');
    const want = fill(doc, generated());
    if (process.env.UPDATE_DOCS) writeFileSync(FILE, want);
    else expect(doc, 'run `npm run docs:gen` to regenerate the node and event tables').toBe(want);
    for (const t of threadNodes().types()) expect(want).toContain(`| \`${t}\` |`);
  });
});
