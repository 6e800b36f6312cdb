/** The JSON Schema of the playbook format is generated from the zod schema into resources/playbook.schema.json. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GTM_PLAYBOOK } from '../../electron/core/playbooks/builtin';
import { compilePlaybook } from '../../electron/core/playbooks/compile';
import { checkPlaybook, estimate, playbookJsonSchema, planSteps } from '../../electron/core/playbooks/format';
import { PlaybookDefinition } from '../../shared/api';

const FILE = resolve(__dirname, '../../resources/playbook.schema.json');

describe('playbook JSON Schema and the built-in playbook', () => {
  it('is generated from the zod schema and kept in resources/ (rewritten when it changed; fails in CI when stale)', () => {
    const text = JSON.stringify({ $id: 'https://baton.local/playbook.schema.json', ...playbookJsonSchema() }, null, 2) + '\n';
    const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '';
    if (current !== text) {
      if (process.env.CI) throw new Error('resources/playbook.schema.json is stale: run this test locally and commit it');
      writeFileSync(FILE, text);
    }
    const schema = JSON.parse(readFileSync(FILE, 'utf8')) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'roles', 'phases', 'modes', 'scenarios', 'decisionCriteria', 'config']));
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'coordinator', 'roles', 'phases', 'modes']));
  });

  it('the built-in playbook passes its own checks; estimates follow the guide (parallel phases shorter than sequential)', () => {
    const d = PlaybookDefinition.parse(GTM_PLAYBOOK);
    expect(checkPlaybook(d)).toEqual([]);
    const all = planSteps(d, 'full');
    expect(all).toHaveLength(15);
    const e = estimate(d, all);
    expect(e.parallel).toBe(30 + 45 + 60 + 30);
    expect(e.sequential).toBe(30 + 180 + 300 + 40);
    // Phase 4: the strategy refinement reads the analysis, so it runs after it (a sibling dependency).
    const phase4 = compilePlaybook(d).find((w) => w.id.endsWith('-p3'))!;
    expect(phase4.edges).toEqual(expect.arrayContaining([{ from: 's0', to: 's1' }]));
    expect(planSteps(d, 'single-agent', 'growth-analyst')).toEqual(['analytics-foundation', 'dashboards', 'performance-analysis']);
  });
});
