/**
 * The playbook file format (docs/playbooks.md): YAML or JSON text -> a
 * validated PlaybookDefinition. Beyond the zod shape, the graph is checked:
 * every step's role exists, every input is written by an earlier step (or a
 * sibling of a parallel phase, which then runs first), no cycle, outputs inside
 * the folders the role writes, modes/scenarios naming what exists. Every
 * problem names the step and the field.
 */
import { lazyRequire } from '../lazy';
import { z } from 'zod';
import { ApiError, issuesOf, PlaybookDefinition, type ApiIssue, type PlaybookModePlan, type PlaybookPhase, type PlaybookStep } from '../../../shared/api';

// Loaded with the first playbook read or written, not at start.
const yamlLib = lazyRequire<typeof import('yaml')>('yaml');

export type Format = 'yaml' | 'json';

export function detectFormat(text: string, format?: Format): Format {
  return format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
}

/** Parse the text; a syntax error is one issue at (root) with the line. */
function parseText(text: string, format: Format): { value: unknown } | { issues: ApiIssue[] } {
  try {
    return { value: format === 'json' ? (JSON.parse(text) as unknown) : (yamlLib().parse(text, { maxAliasCount: 100 }) as unknown) };
  } catch (e) {
    return { issues: [{ path: '(root)', message: `the ${format.toUpperCase()} does not parse: ${(e as Error).message.split('\n')[0]}` }] };
  }
}

const folderOf = (f: string) => (f === '' || f === '/' ? '' : f.endsWith('/') ? f : `${f}/`);

/** The steps each step waits for (earlier in a sequential phase; sibling producers in a parallel one). */
export function stepDeps(phase: PlaybookPhase): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  phase.steps.forEach((s, i) => {
    if (phase.execution === 'sequential') deps.set(s.id, i > 0 ? [phase.steps[i - 1]!.id] : []);
    else {
      const ids = new Set(phase.steps.map((x) => x.id));
      deps.set(s.id, [...new Set(s.inputs.flatMap((inp) => ('output' in inp && ids.has(inp.output.split('.')[0]!) ? [inp.output.split('.')[0]!] : [])))]);
    }
  });
  return deps;
}

/** The semantic checks; each issue names the step (or item) and its field path. */
export function checkPlaybook(d: PlaybookDefinition): ApiIssue[] {
  const issues: ApiIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path: path.join('.'), message });
  const dup = (list: { id: string }[], path: string, what: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) add([path, i, 'id'], `${what} id "${x.id}" is used twice`);
      seen.add(x.id);
    });
  };
  dup(d.roles, 'roles', 'role');
  dup(d.phases, 'phases', 'phase');
  dup(d.modes, 'modes', 'mode');
  dup(d.scenarios, 'scenarios', 'scenario');
  const roles = new Map(d.roles.map((r) => [r.id, r]));
  const roleList = d.roles.map((r) => r.id).join(', ');
  if (!roles.has(d.coordinator)) add(['coordinator'], `"${d.coordinator}" is not a role of this playbook (the roles are ${roleList})`);
  d.roles.forEach((r, i) => {
    if (/\{%-?\s*endraw/.test(r.systemPrompt)) add(['roles', i, 'systemPrompt'], `role "${r.id}": the text may not contain "{% endraw %}"`);
  });
  const configKeys = new Set(d.config.map((c) => c.key));
  // step id -> { phase index, outputs }
  const allSteps = new Map<string, { phase: number; step: PlaybookStep }>();
  d.phases.forEach((p, pi) =>
    p.steps.forEach((s, si) => {
      if (allSteps.has(s.id)) add(['phases', pi, 'steps', si, 'id'], `step id "${s.id}" is used twice`);
      else allSteps.set(s.id, { phase: pi, step: s });
    }),
  );
  const written = new Set<string>(); // step.output of earlier phases
  d.phases.forEach((p, pi) => {
    const here = new Map(p.steps.map((s) => [s.id, s]));
    p.steps.forEach((s, si) => {
      const at = (...rest: (string | number)[]) => ['phases', pi, 'steps', si, ...rest];
      const role = roles.get(s.role);
      if (!role) add(at('role'), `step "${s.id}": role "${s.role}" is not a role of this playbook (the roles are ${roleList})`);
      const outNames = new Set<string>();
      s.outputs.forEach((o, oi) => {
        if (outNames.has(o.name)) add(at('outputs', oi, 'name'), `step "${s.id}": output name "${o.name}" is used twice`);
        outNames.add(o.name);
        if (role && role.writes.length && !role.writes.some((f) => o.path.startsWith(folderOf(f)))) {
          add(at('outputs', oi, 'path'), `step "${s.id}": ${o.path} is outside the folders role "${role.id}" writes (${role.writes.join(', ')})`);
        }
      });
      if (/\{%-?\s*endraw/.test([s.title, ...s.activities].join(' '))) add(at('activities'), `step "${s.id}": the text may not contain "{% endraw %}"`);
      s.inputs.forEach((inp, ii) => {
        if ('config' in inp) {
          if (!configKeys.has(inp.config)) add(at('inputs', ii, 'config'), `step "${s.id}": "${inp.config}" is not a config field (the fields are ${[...configKeys].join(', ') || 'none'})`);
          return;
        }
        if (!('output' in inp)) return;
        const [sid, oname] = inp.output.split('.') as [string, string];
        const src = allSteps.get(sid);
        const earlierPhase = src && src.phase < pi;
        const sequentialEarlier = src && src.phase === pi && p.execution === 'sequential' && p.steps.findIndex((x) => x.id === sid) < si;
        const sibling = src && src.phase === pi && p.execution === 'parallel' && sid !== s.id;
        if (!src || !(earlierPhase || sequentialEarlier || sibling)) {
          add(at('inputs', ii, 'output'), `step "${s.id}": input "${inp.output}" is not written by an earlier step${src ? ` (step "${sid}" runs later)` : ` (there is no step "${sid}")`}`);
        } else if (!src.step.outputs.some((o) => o.name === oname)) {
          add(at('inputs', ii, 'output'), `step "${s.id}": step "${sid}" has no output "${oname}" (its outputs are ${src.step.outputs.map((o) => o.name).join(', ')})`);
        }
      });
    });
    // Cycles among siblings of a parallel phase.
    if (p.execution === 'parallel') {
      const deps = stepDeps(p);
      const state = new Map<string, 1 | 2>();
      const visit = (id: string, stack: string[]): string[] | null => {
        if (state.get(id) === 2) return null;
        if (state.get(id) === 1) return [...stack.slice(stack.indexOf(id)), id];
        state.set(id, 1);
        for (const dep of deps.get(id) ?? []) {
          const c = visit(dep, [...stack, id]);
          if (c) return c;
        }
        state.set(id, 2);
        return null;
      };
      for (const s of p.steps) {
        const cycle = visit(s.id, []);
        if (cycle) {
          const si = p.steps.findIndex((x) => x.id === cycle[0]);
          add(['phases', pi, 'steps', si, 'inputs'], `step "${cycle[0]}": its inputs form a cycle: ${cycle.join(' -> ')}`);
          break;
        }
      }
    }
    if (p.gate) {
      const seen = new Set<string>();
      p.gate.items.forEach((g, gi) => {
        const at = ['phases', pi, 'gate', 'items', gi];
        if (seen.has(g.id)) add([...at, 'id'], `gate item id "${g.id}" is used twice`);
        seen.add(g.id);
        if (!roles.has(g.role)) add([...at, 'role'], `gate item "${g.id}": role "${g.role}" is not a role of this playbook (the roles are ${roleList})`);
        (g.outputs ?? []).forEach((ref, ri) => {
          const [sid, oname] = ref.split('.') as [string, string];
          const st = here.get(sid);
          if (!st || !st.outputs.some((o) => o.name === oname)) add([...at, 'outputs', ri], `gate item "${g.id}": "${ref}" is not an output of a step of phase "${p.id}"`);
        });
      });
    }
    for (const s of p.steps) for (const o of s.outputs) written.add(`${s.id}.${o.name}`);
  });
  const phaseIds = new Set(d.phases.map((p) => p.id));
  d.modes.forEach((m, mi) => {
    m.phases.forEach((ph, i) => {
      if (!phaseIds.has(ph)) add(['modes', mi, 'phases', i], `mode "${m.id}": "${ph}" is not a phase (the phases are ${[...phaseIds].join(', ')})`);
    });
    (m.steps ?? []).forEach((st, i) => {
      const s = allSteps.get(st);
      if (!s || !m.phases.includes(d.phases[s.phase]!.id)) add(['modes', mi, 'steps', i], `mode "${m.id}": "${st}" is not a step of its phases`);
    });
    (m.roles ?? []).forEach((r, i) => {
      if (!roles.has(r)) add(['modes', mi, 'roles', i], `mode "${m.id}": "${r}" is not a role (the roles are ${roleList})`);
    });
  });
  const modeIds = new Set(d.modes.map((m) => m.id));
  d.scenarios.forEach((s, si) => {
    if (!modeIds.has(s.mode)) add(['scenarios', si, 'mode'], `scenario "${s.id}": "${s.mode}" is not a mode (the modes are ${[...modeIds].join(', ')})`);
    for (const k of Object.keys(s.config)) if (!configKeys.has(k)) add(['scenarios', si, 'config', k], `scenario "${s.id}": "${k}" is not a config field`);
  });
  d.decisionCriteria.forEach((c, ci) => {
    if (!modeIds.has(c.mode)) add(['decisionCriteria', ci, 'mode'], `"${c.mode}" is not a mode (the modes are ${[...modeIds].join(', ')})`);
  });
  return issues;
}

/** Zod path issues name the step too when they are under a step. */
function nameSteps(value: unknown, issues: ApiIssue[]): ApiIssue[] {
  return issues.map((i) => {
    const m = /^phases\.(\d+)\.steps\.(\d+)\./.exec(i.path);
    if (!m) return i;
    const id = (value as { phases?: { steps?: { id?: unknown }[] }[] })?.phases?.[Number(m[1])]?.steps?.[Number(m[2])]?.id;
    return typeof id === 'string' ? { ...i, message: `step "${id}": ${i.message}` } : i;
  });
}

export function validatePlaybookText(text: string, format?: Format): { definition: PlaybookDefinition | null; issues: ApiIssue[]; format: Format } {
  const f = detectFormat(text, format);
  const parsed = parseText(text, f);
  if ('issues' in parsed) return { definition: null, issues: parsed.issues, format: f };
  const r = PlaybookDefinition.safeParse(parsed.value);
  if (!r.success) return { definition: null, issues: nameSteps(parsed.value, issuesOf(r.error)), format: f };
  const issues = checkPlaybook(r.data);
  return { definition: issues.length ? null : r.data, issues, format: f };
}

export function parsePlaybookText(text: string, format?: Format): { definition: PlaybookDefinition; format: Format } {
  const r = validatePlaybookText(text, format);
  if (!r.definition) {
    throw new ApiError('invalid_input', `The playbook is not valid: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, r.issues);
  }
  return { definition: r.definition, format: r.format };
}

export function toYaml(value: unknown): string {
  return yamlLib().stringify(value, { lineWidth: 0 });
}

/** The steps a mode runs (with a chosen role for single-agent modes), in playbook order. */
export function planSteps(d: PlaybookDefinition, modeId: string, role?: string | null): string[] {
  const mode = d.modes.find((m) => m.id === modeId);
  if (!mode) return [];
  const out: string[] = [];
  for (const p of d.phases) {
    if (!mode.phases.includes(p.id)) continue;
    for (const s of p.steps) {
      if (mode.steps && !mode.steps.includes(s.id)) continue;
      if (mode.roles && !mode.roles.includes(s.role)) continue;
      if (mode.chooseRole && role && s.role !== role) continue;
      out.push(s.id);
    }
  }
  return out;
}

/** Minutes of a phase: the sum (sequential) or the longest chain of dependencies (parallel). */
function phaseMinutes(p: PlaybookPhase, only: Set<string>): { parallel: number; sequential: number } {
  const steps = p.steps.filter((s) => only.has(s.id));
  const sequential = steps.reduce((a, s) => a + s.estimatedMinutes, 0);
  if (p.execution === 'sequential') return { parallel: sequential, sequential };
  const deps = stepDeps(p);
  const memo = new Map<string, number>();
  const finish = (id: string): number => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const s = p.steps.find((x) => x.id === id)!;
    const v = (only.has(id) ? s.estimatedMinutes : 0) + Math.max(0, ...(deps.get(id) ?? []).map(finish));
    memo.set(id, v);
    return v;
  };
  return { parallel: Math.max(0, ...steps.map((s) => finish(s.id))), sequential };
}

export function estimate(d: PlaybookDefinition, steps: string[]): { parallel: number; sequential: number } {
  const only = new Set(steps);
  let parallel = 0;
  let sequential = 0;
  for (const p of d.phases) {
    const m = phaseMinutes(p, only);
    parallel += m.parallel;
    sequential += m.sequential;
  }
  return { parallel, sequential };
}

export function modePlans(d: PlaybookDefinition): PlaybookModePlan[] {
  return d.modes.map((m) => {
    const steps = planSteps(d, m.id);
    const set = new Set(steps);
    return {
      id: m.id,
      name: m.name,
      description: m.description,
      chooseRole: m.chooseRole,
      phases: d.phases.filter((p) => m.phases.includes(p.id)).map((p) => ({ id: p.id, name: p.name, steps: p.steps.filter((s) => set.has(s.id)).map((s) => s.id) })),
      estimatedMinutes: estimate(d, steps),
    };
  });
}

/** JSON Schema of the config form. */
export function configSchema(d: PlaybookDefinition): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(
      d.config.map((c) => [c.key, { type: c.type === 'number' ? 'number' : 'string', title: c.label, ...(c.description ? { description: c.description } : {}), ...(c.type === 'longtext' ? { format: 'textarea' } : {}) }]),
    ),
    required: d.config.filter((c) => c.required).map((c) => c.key),
    additionalProperties: false,
  };
}

/** The JSON Schema of the file format (resources/playbook.schema.json). */
export function playbookJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(PlaybookDefinition, { io: 'input' }) as Record<string, unknown>;
  return { ...s, title: 'Baton playbook', description: 'An agent-team playbook (docs/playbooks.md).' };
}
