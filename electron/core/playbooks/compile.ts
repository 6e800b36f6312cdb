/**
 * A playbook compiles to workflows of the durable engine (docs/playbooks.md,
 * "How a playbook runs"): one workflow per phase (open -> per step one
 * playbook.step (inputs, the Claude call, the commit), chained for a sequential
 * phase, fanned out and joined for a parallel one -> playbook.resolve ->
 * playbook.gate) and one workflow per mode (its phases as subworkflows, in
 * order, then playbook.finish).
 */
import { createHash } from 'node:crypto';
import type { PlaybookDefinition, PlaybookPhase, WorkflowDefinitionInput } from '../../../shared/api';
import { stepDeps } from './format';
import { roleOf } from './runtime';

function base(playbookId: string): string {
  return `pb-${playbookId.slice(0, 30).replace(/-+$/, '')}-${createHash('sha1').update(playbookId).digest('hex').slice(0, 6)}`;
}
export const phaseWorkflowId = (def: PlaybookDefinition, phaseId: string) => `${base(def.id)}-p${def.phases.findIndex((p) => p.id === phaseId)}`;
/** Bumped when compiled workflows change shape (2: one playbook.step per step, one ai.review per gate item): the built-in playbook is compiled again. */
export const COMPILER_VERSION = 2;
export const compiledMark = `(compiled ${COMPILER_VERSION}; edit the playbook, not this workflow)`;
export const modeWorkflowId = (def: PlaybookDefinition, modeId: string) => `${base(def.id)}-m${def.modes.findIndex((m) => m.id === modeId)}`;

type Node = WorkflowDefinitionInput['nodes'][number];
type Edge = NonNullable<WorkflowDefinitionInput['edges']>[number];

export function compilePhase(def: PlaybookDefinition, phase: PlaybookPhase): WorkflowDefinitionInput {
  const nodes: Node[] = [{ id: 'open', type: 'playbook.phase', params: { phase: phase.id } }];
  const edges: Edge[] = [];
  const n = (k: number) => `s${k}`;
  // One durable step per playbook step: inputs, the Claude call and the commit (playbook.step).
  phase.steps.forEach((s, k) => {
    nodes.push({ id: n(k), type: 'playbook.step', name: `${roleOf(def, s.role).name}: ${s.title}`, params: { step: s.id } });
  });
  const idx = new Map(phase.steps.map((s, k) => [s.id, k]));
  if (phase.execution === 'sequential') {
    edges.push({ from: 'open', to: n(0) });
    for (let k = 1; k < phase.steps.length; k++) edges.push({ from: n(k - 1), to: n(k) });
    edges.push({ from: n(phase.steps.length - 1), to: 'resolve' });
  } else {
    const deps = stepDeps(phase);
    const needed = new Set([...deps.values()].flat());
    nodes.push({ id: 'fanout', type: 'parallel', params: {} }, { id: 'join', type: 'join', params: { mode: 'all' } });
    edges.push({ from: 'open', to: 'fanout' });
    phase.steps.forEach((s, k) => {
      const d = deps.get(s.id) ?? [];
      if (!d.length) edges.push({ from: 'fanout', to: n(k) });
      for (const dep of d) edges.push({ from: n(idx.get(dep)!), to: n(k) });
      if (!needed.has(s.id)) edges.push({ from: n(k), to: 'join' });
    });
    edges.push({ from: 'join', to: 'resolve' });
  }
  nodes.push({ id: 'resolve', type: 'playbook.resolve', name: 'Conflicts: the Coordinator decides', params: { phase: phase.id } }, { id: 'gate', type: 'playbook.gate', name: `Quality gate: ${phase.name}`, params: { phase: phase.id, ...(phase.gate ? { reviewed: true } : {}) } });
  if (!phase.gate) edges.push({ from: 'resolve', to: 'gate' });
  else gateRounds(def, phase, nodes, edges);
  return {
    id: phaseWorkflowId(def, phase.id),
    name: `Playbook ${def.name}: ${phase.name}`,
    description: `Phase "${phase.name}" of the playbook ${def.id} ${compiledMark}.`,
    trigger: { type: 'manual' },
    nodes,
    edges,
    settings: { reenroll: true, escalateOnFailure: 'warning' },
  } as WorkflowDefinitionInput;
}

/**
 * The quality gate's checklist: per round, per item, `g<r>_<k>_in`
 * (playbook.gate.item: the item's files on the phase branch; "done" when it
 * passed earlier, or a file is missing or empty) then `g<r>_<k>` (ai.review of
 * those files, quoted as untrusted data, no approval of its own); the items of
 * a round run side by side. `g<r>` (playbook.gate.round) records the verdicts
 * and sends failures back to their roles ("fix": the next round reviews them
 * again), up to maxRetries rounds; then `gate` merges or asks one approval.
 */
function gateRounds(def: PlaybookDefinition, phase: PlaybookPhase, nodes: Node[], edges: Edge[]): void {
  const gate = phase.gate!;
  const rounds = gate.maxRetries + 1;
  const instructions = [
    `You are the quality gate of phase "${phase.name}" of the playbook "${def.name}": a team of AI agents wrote the files in the data block.`,
    'Judge only the one checklist item against those files. In evidence, quote the words of the files your verdict rests on; in issues, say what the responsible role must fix.',
  ].join(' ');
  for (let r = 0; r < rounds; r++) {
    const round = `g${r}`;
    gate.items.forEach((it, k) => {
      const check = `${round}_${k}_in`;
      const review = `${round}_${k}`;
      nodes.push(
        { id: check, type: 'playbook.gate.item', name: `Gate item ${it.id}${r ? ` (round ${r + 1})` : ''}: files`, params: { phase: phase.id, item: it.id, round: r } },
        {
          id: review,
          type: 'ai.review',
          name: `Gate item ${it.id}${r ? ` (round ${r + 1})` : ''}`,
          params: {
            data: { files: `=steps.${check}.files` },
            checklist: [it.check],
            instructions,
            approval: false,
            maxRevisions: 0,
            ...(gate.minConfidence !== undefined ? { threshold: gate.minConfidence } : {}),
          },
        },
      );
      edges.push({ from: r ? `g${r - 1}` : 'resolve', to: check, ...(r ? { branch: 'fix' } : {}) }, { from: check, to: review, branch: 'review' }, { from: check, to: round, branch: 'done' }, { from: review, to: round });
    });
    nodes.push({ id: round, type: 'playbook.gate.round', name: `Quality gate: ${phase.name}, round ${r + 1}`, params: { phase: phase.id, round: r } });
    edges.push({ from: round, to: 'gate', ...(r < rounds - 1 ? { branch: 'done' } : {}) });
  }
}

export function compileMode(def: PlaybookDefinition, modeId: string): WorkflowDefinitionInput {
  const mode = def.modes.find((m) => m.id === modeId)!;
  const phases = def.phases.filter((p) => mode.phases.includes(p.id));
  const nodes: Node[] = phases.map((p, i) => ({ id: `p${i}`, type: 'subworkflow', name: p.name, params: { workflow: phaseWorkflowId(def, p.id), input: '=input' } }));
  nodes.push({ id: 'finish', type: 'playbook.finish', params: {} });
  const edges: Edge[] = [];
  for (let i = 1; i < phases.length; i++) edges.push({ from: `p${i - 1}`, to: `p${i}` });
  edges.push({ from: `p${phases.length - 1}`, to: 'finish' });
  return {
    id: modeWorkflowId(def, modeId),
    name: `Playbook ${def.name}: ${mode.name}`,
    description: `Mode "${mode.name}" of the playbook ${def.id} ${compiledMark}.`,
    trigger: { type: 'manual' },
    nodes,
    edges,
    settings: { reenroll: true, escalateOnFailure: 'warning' },
  } as WorkflowDefinitionInput;
}

/** Every workflow of a playbook, phases first (the modes call them). */
export function compilePlaybook(def: PlaybookDefinition): WorkflowDefinitionInput[] {
  return [...def.phases.map((p) => compilePhase(def, p)), ...def.modes.map((m) => compileMode(def, m.id))];
}
