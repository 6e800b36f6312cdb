/** The JSON Schema of the definition format is generated from the zod schema into resources/workflow.schema.json. */
import { threadNodes } from '../../electron/core/nodes';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateWorkflow, workflowJsonSchema } from '../../electron/core/engine';

const NODES = threadNodes();

const FILE = resolve(__dirname, '../../resources/workflow.schema.json');

describe('workflow JSON Schema', () => {
  it('is generated from the zod schema and kept in resources/ (rewritten when it changed; fails in CI when stale)', () => {
    const text = JSON.stringify({ $id: 'https://baton.local/workflow.schema.json', title: 'Baton workflow definition', ...(workflowJsonSchema() as object) }, null, 2) + '\n';
    const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '';
    if (current !== text) {
      if (process.env.CI) throw new Error('resources/workflow.schema.json is stale: run the engine schema test locally and commit it');
      writeFileSync(FILE, text);
    }
    const schema = JSON.parse(readFileSync(FILE, 'utf8')) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'name', 'trigger', 'nodes', 'edges', 'settings']));
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'nodes']));
  });

  it('validation reports bad cron, bad time zone and bad filter expressions', () => {
    const r = validateWorkflow({
      id: 'sched',
      name: 'S',
      trigger: { type: 'schedule', cron: '61 * * * *', timezone: 'Mars/Olympus' },
      nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }],
    }, { nodes: NODES });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['trigger.timezone', 'trigger.cron']));
    const f = validateWorkflow({ id: 'ev', name: 'E', trigger: { type: 'event', event: 'contact.created', filter: 'event.(' }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }] }, { nodes: NODES });
    expect(f.issues[0]).toMatchObject({ path: 'trigger.filter', message: expect.stringMatching(/^bad expression "event\.\(":/) });
    const body = validateWorkflow({ id: 'fe', name: 'F', nodes: [{ id: 'loop', type: 'forEach', params: { items: '=input.x', body: { nodes: [{ id: 'in', type: 'bogus' }] } } }] }, { nodes: NODES });
    expect(body.issues[0]).toMatchObject({ path: 'nodes.0.params.body.nodes.0.type', nodeId: 'in' });
  });

  it('webhook slugs forms and events are refused: /hooks/forms/<form> and /hooks/events belong to lead capture and event ingest', () => {
    for (const slug of ['forms', 'events']) {
      const r = validateWorkflow({ id: 'wh', name: 'W', trigger: { type: 'webhook', slug }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }] }, { nodes: NODES });
      expect(r.ok).toBe(false);
      expect(r.issues[0]).toMatchObject({ path: 'trigger.slug', message: expect.stringContaining('pick another slug') });
    }
    expect(validateWorkflow({ id: 'wh', name: 'W', trigger: { type: 'webhook', slug: 'forms-2' }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }] }, { nodes: NODES }).ok).toBe(true);
  });
});
