/**
 * The Playbooks page's wiring on a real core: the start form is generated from the config schema
 * playbooks.get returns for the built-in playbook, and every push event a playbook run emits
 * invalidates the operations the run page and the Documents history read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName } from '../shared/api';
import { invalidatedBy } from '../renderer/src/data/invalidation';
import { fieldsOf } from '../renderer/src/pages/playbooks/model';
import { openTestCore } from './helpers';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('the Playbooks page', () => {
  it('builds the start form from the built-in playbook config schema: labels, long text, required fields', async () => {
    const t = await openTestCore();
    cleanup = t.cleanup;
    const pb = await t.core.call('playbooks.get', { id: 'go-to-market' });
    const fields = fieldsOf(pb.configSchema);
    expect(fields.map((f) => f.key)).toEqual(pb.definition.config.map((c) => c.key));
    for (const c of pb.definition.config) {
      const f = fields.find((x) => x.key === c.key)!;
      expect(f).toMatchObject({ title: c.label, required: c.required, long: c.type === 'longtext', type: c.type === 'number' ? 'number' : 'string' });
    }
    expect(fields.some((f) => f.required)).toBe(true);
    expect(fields.some((f) => f.long)).toBe(true);
  });

  it('invalidates the run page and the workspace history on every playbook event', () => {
    const on = (e: EventName, p: unknown) => invalidatedBy(e, p as never);
    expect(on('playbooks.run.updated', { runId: 'r', playbookId: 'p', status: 'running' })).toEqual(expect.arrayContaining(['playbooks.run', 'playbooks.runs', 'playbooks.list']));
    for (const e of ['playbooks.phase.updated', 'playbooks.gate.updated', 'playbooks.conflict.updated', 'workspace.committed'] as const) expect(on(e, {})).toContain('playbooks.run');
    expect(on('playbooks.gate.updated', {})).toContain('approvals.list');
    expect(on('playbooks.changed', { id: 'x' })).toEqual(expect.arrayContaining(['playbooks.list', 'playbooks.get']));
    expect(on('workspace.committed', {})).toEqual(expect.arrayContaining(['workspace.history', 'workspace.log']));
    expect(on('docs.changed', { path: 'brand/positioning.md' })).toEqual(expect.arrayContaining(['workspace.history', 'workspace.log']));
  });
});
