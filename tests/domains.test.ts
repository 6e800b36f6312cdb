/**
 * The domain seam (docs/architecture.md, "Domains"): the composition of every
 * domain is complete and consistent, whatever is declared twice or out of
 * order fails at startup, and the event data recorded by real flows matches
 * the schemas the domains declare.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KNOWN_SETTING_KEYS, crmOps, eventType } from '../shared/api';
import { DOMAINS, openBaton, unimplemented } from '../electron/core';
import type { Core } from '../electron/core/core';
import { defineDomain, type AnyDomain } from '../electron/core/domain';
import { defineNode } from '../electron/core/engine';
import { threadNodes } from '../electron/core/nodes';
import { EnvSecretStore } from '../electron/core/secrets';
import { openTestCore, tempDir } from './helpers';

async function composeFails(domains: AnyDomain[]): Promise<string> {
  const t = tempDir();
  try {
    await openBaton({ dataDir: t.dir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') }, domains);
  } catch (e) {
    return (e as Error).message;
  } finally {
    t.cleanup();
  }
  throw new Error('composition did not fail');
}

const node = (type: string) => defineNode({ type, description: type, params: z.object({}), run: () => ({ output: null }) });

describe('the composed core', () => {
  it('implements every operation of the contract, once', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      expect(unimplemented(core)).toEqual([]);
      expect(core.domains).toEqual(DOMAINS.map((d) => d.id));
    } finally {
      await cleanup();
    }
  });

  it('every setting Baton knows (editable or internal) belongs to exactly one domain', () => {
    const owners = new Map<string, string[]>();
    for (const d of DOMAINS) for (const k of d.settings ?? []) owners.set(k, [...(owners.get(k) ?? []), d.id]);
    const unowned = KNOWN_SETTING_KEYS.filter((k) => !owners.has(k));
    expect(unowned, 'settings no domain declares').toEqual([]);
    for (const [k, ds] of owners) expect(ds, k).toHaveLength(1);
  });

  it('worker threads know exactly the node types of the domains', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const worker = threadNodes();
      expect(worker.types()).toEqual(core.nodes.types());
      for (const t of core.nodes.types()) expect(worker.domainOf(t), t).toBe(core.nodes.domainOf(t));
      // AI, e-mail and WordPress nodes belong to their domains, not to the engine.
      expect(core.nodes.domainOf('ai.generate')).toBe('ai');
      expect(core.nodes.domainOf('email.send')).toBe('sales');
      expect(core.nodes.domainOf('wordpress.publish')).toBe('wordpress');
      expect(core.nodes.domainOf('condition')).toBe('engine');
    } finally {
      await cleanup();
    }
  });
});

describe('composition errors fail at startup, naming what is wrong', () => {
  const base = (id: string, extra: Partial<AnyDomain> = {}): AnyDomain => defineDomain({ id, description: id, create: () => undefined, ...extra });

  it('a domain twice', async () => {
    expect(await composeFails([base('a'), base('a')])).toMatch(/domain "a" is composed twice/);
  });
  it('a domain before one it requires', async () => {
    expect(await composeFails([base('b', { requires: ['a'] }), base('a')])).toMatch(/domain "b" needs the "a" domain composed before it/);
  });
  it('a node type declared by two domains', async () => {
    expect(await composeFails([base('a', { nodes: [node('x.do')] }), base('b', { nodes: [node('x.do')] })])).toMatch(/Node type "x.do" is declared by both the a and the b domain/);
  });
  it('an event type declared by two domains', async () => {
    const events = { 'x.happened': eventType('x', z.null()) };
    expect(await composeFails([base('a', { events }), base('b', { events })])).toMatch(/Event type "x.happened" is declared by both the a and the b domain/);
  });
  it('a setting declared by two domains', async () => {
    expect(await composeFails([base('a', { settings: ['backup.keep'] }), base('b', { settings: ['backup.keep'] })])).toMatch(/setting "backup.keep" is declared by both/);
  });
  it('an operation declared without a handler', async () => {
    const ops = { 'contacts.get': crmOps['contacts.get'] };
    expect(await composeFails([base('a', { ops, create: () => ({ handlers: {} as never }) })])).toMatch(/declares "contacts.get" but has no handler/);
  });
  it('an operation implemented by two domains', async () => {
    const ops = { 'contacts.get': crmOps['contacts.get'] };
    const d = (id: string) => base(id, { ops, create: () => ({ handlers: { 'contacts.get': () => ({}) as never } }) });
    expect(await composeFails([d('a'), d('b')])).toMatch(/Operation "contacts.get" is implemented twice/);
  });
  it('a node type the worker threads do not know', async () => {
    expect(await composeFails([base('a', { nodes: [node('x.secret')] })])).toMatch(/Node types a:x.secret are not listed in electron\/core\/nodes.ts/);
    // A type nodes.ts lists under another domain is not the same type.
    expect(await composeFails([base('a', { nodes: [node('condition')] })])).toMatch(/Node types a:condition are not listed/);
  });
});

/** Every row of the events table whose type a domain declares, checked against its schema. */
function eventsAgainstSchemas(core: Core): { checked: Record<string, number>; bad: string[] } {
  const rows = core.db.prepare('SELECT id, type, subject_type, data FROM events ORDER BY id').all() as { id: number; type: string; subject_type: string | null; data: string | null }[];
  const checked: Record<string, number> = {};
  const bad: string[] = [];
  for (const r of rows) {
    const def = core.eventTypes.get(r.type);
    if (!def) continue;
    checked[r.type] = (checked[r.type] ?? 0) + 1;
    const parsed = def.data.safeParse(r.data === null ? null : JSON.parse(r.data));
    if (!parsed.success) bad.push(`${r.type} #${r.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} in ${r.data}`);
    if (def.subject && r.subject_type !== def.subject) bad.push(`${r.type} #${r.id}: subject ${r.subject_type}, declared ${def.subject}`);
  }
  return { checked, bad };
}

describe('declared event data matches what Baton records', () => {
  it('the demo data and real CRM operations record events that fit their schemas', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      await core.call('demo.seed', { contacts: 300, seed: 7 });
      const c = await core.call('contacts.create', { email: 'ada@analytical.test', firstName: 'Ada', source: 'api' });
      await core.call('contacts.update', { id: c.id, set: { stage: 'sql' } });
      const d = await core.call('deals.create', { contactId: c.id, title: 'Engine', value: 1200 });
      await core.call('deals.update', { id: d.id, stage: 'won' });
      await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { email: 'email', name: 'firstName' } });
      const route = core.publicRoutes.get('hooks/forms');
      const body = Buffer.from(new URLSearchParams({ email: 'grace@navy.test', name: 'Grace' }).toString());
      const r = await route!({ method: 'POST', path: 'newsletter', query: new URLSearchParams(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(r.status).toBeLessThan(400);
      // Segment membership moves, a CSV import (new and updated rows), a merge.
      await core.call('segments.save', { name: 'VIPs', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'vip' }] } });
      await core.call('contacts.update', { id: c.id, set: { companyName: 'Analytical', custom: { plan: 'pro' } }, addTags: ['vip'] });
      await core.call('contacts.update', { id: c.id, set: {}, removeTags: ['vip'] });
      await core.call('contacts.import', { csv: 'email,first name,tags\nada@analytical.test,Ada,vip\nnew@import.test,New,vip\n', file: 'people.csv' });
      const dup = await core.call('contacts.create', { email: 'dup@analytical.test' });
      await core.call('contacts.merge', { targetId: c.id, sourceId: dup.id });
      const { checked, bad } = eventsAgainstSchemas(core);
      expect(bad).toEqual([]);
      for (const t of [
        'contact.created',
        'contact.updated',
        'contacts.imported',
        'contact.merged',
        'segment.entered',
        'segment.left',
        'lifecycle.changed',
        'email.sent',
        'email.opened',
        'page.visited',
        'form.submitted',
        'deal.opened',
        'deal.won',
      ])
        expect(checked[t], t).toBeGreaterThan(0);
    } finally {
      await cleanup();
    }
  });
});
