/**
 * The playbook node types. A compiled playbook (compile.ts) is workflows made
 * of these, the engine's subworkflow/parallel/join, and one ai.generate per
 * step: so it runs on the durable engine, with its crash safety, AI budget
 * waits, costs and approvals.
 */
import { z } from 'zod';
import { warmClaude } from '../ai/claude';
import { aiSettings } from '../ai/env';
import { prepareGenerate, runPrepared, storedRequest, type PreparedRequest } from '../ai/generate';
import { runAi, suspended, templateScope } from '../ai/node-support';
import { defineNode, NodeError, type NodeContext, type NodeDef, type Suspend } from '../engine/registry';
import { AI_STEP_TIMEOUT_MS } from '../engine/pool-limits';
import { answered, beginPhase, finishStep, gateItemFiles, gateOutcome, gateRound, iso, recordAnswer, stepSpec, type RunCtx, loadRun, mergePhase, phaseDiff, phaseOf, PLAYBOOK_BUDGET_EVENT, resolvePhase, roleBudgetWait, roleOf, runGate, setPhaseStatus, stepInputs, type GateState } from './runtime';

const Id = z.string().min(1);
const runIdOf = (ctx: NodeContext<unknown>) => (ctx.run.input as { playbookRun?: unknown } | null)?.playbookRun;

const phaseNode = defineNode({
  type: 'playbook.phase',
  description: 'Begin a playbook phase: the workspace branch of the phase starts at main.',
  params: z.object({ phase: Id }).strict(),
  async run(ctx) {
    // The phase's steps call Claude from this worker thread: the SDK loads meanwhile.
    warmClaude();
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const out = await beginPhase(rc, ctx.params.phase, ctx.run.id);
    return { output: out };
  },
});

/** The step's row says running (its attempts, its start), or the step waits for its role's budget. */
function startStep(ctx: NodeContext<unknown>, rc: RunCtx, id: string): Suspend | null {
  const step = rc.def.phases.flatMap((p) => p.steps).find((s) => s.id === id)!;
  const wait = roleBudgetWait(rc, roleOf(rc.def, step.role).id);
  if (wait) {
    rc.env.emit('playbooks.run.updated', { runId: rc.run.id, playbookId: rc.run.playbook_id, status: 'waiting' });
    // Checked again when the playbook is imported again (event playbooks.budget) and every hour.
    return ctx.suspend({ waitingFor: wait, until: ctx.now() + 3_600_000, event: { type: PLAYBOOK_BUDGET_EVENT } });
  }
  const row = rc.st.step(rc.run.id, id);
  rc.st.setStep(rc.run.id, id, { status: 'running', started_at: row?.started_at ?? iso(ctx.env), attempts: Math.max(1, row?.attempts ?? 0) });
  rc.env.emit('playbooks.run.updated', { runId: rc.run.id, playbookId: rc.run.playbook_id, status: 'running' });
  return null;
}

async function commitOrFail(rc: RunCtx, id: string): Promise<{ commit: string; conflict: string | null }> {
  try {
    return await finishStep(rc, id);
  } catch (e) {
    rc.st.setStep(rc.run.id, id, { status: 'failed', error: (e as Error).message });
    throw e;
  }
}

/**
 * One playbook step as one durable step: its inputs, the role's Claude call
 * (inputs quoted as untrusted data; the AI client's ledger, budget waits and
 * key waits as ai.generate), the answer recorded, then committed. Run again
 * (a retry, a crash of its worker), it goes on where it was: a recorded
 * answer is committed without a new call, a commit already made is kept.
 */
const stepNode = defineNode({
  type: 'playbook.step',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: "Run a playbook step: gather its inputs, ask Claude as its role, commit the answer with the role's commit convention (once).",
  params: z.object({ step: Id }).strict(),
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const id = ctx.params.step;
    if (!rc.plan.has(id)) {
      rc.st.setStep(rc.run.id, id, { status: 'skipped' });
      return { output: { skipped: true } };
    }
    const row = rc.st.step(rc.run.id, id);
    if (!(row?.status === 'done' && row.commit_oid) && !answered(row)) {
      const wait = startStep(ctx, rc, id);
      if (wait) return wait;
      const g = await runAi(ctx, async (ai) => {
        const spec = stepSpec(rc, id, await stepInputs(rc, id));
        const request = await prepareGenerate(ai, spec, templateScope(ctx, undefined));
        const out = await runPrepared(ai, request, { runId: ctx.run.id, nodeId: ctx.node.id, workflowId: ctx.run.workflowId });
        return { ...out, request: storedRequest(request) };
      });
      if (suspended(g)) return g;
      recordAnswer(rc, id, g);
    }
    const done = await commitOrFail(rc, id);
    const r = rc.st.step(rc.run.id, id)!;
    return { output: { ...done, costUsd: r.cost_usd } };
  },
});

/** Kept for workflows compiled before playbook.step (their runs may still be going): the inputs of a step. */
const inputsNode = defineNode({
  type: 'playbook.inputs',
  description: 'Gather a playbook step\'s inputs (workflows compiled before playbook.step); "skip" when the mode does not run the step.',
  params: z.object({ step: Id }).strict(),
  branches: ['run', 'skip'],
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const id = ctx.params.step;
    if (!rc.plan.has(id)) {
      rc.st.setStep(rc.run.id, id, { status: 'skipped' });
      return { output: { skipped: true }, branch: 'skip' };
    }
    const wait = startStep(ctx, rc, id);
    if (wait) return wait;
    return { output: { data: await stepInputs(rc, id) }, branch: 'run' };
  },
});

/** Kept for workflows compiled before playbook.step: commit the answer of the step's ai.generate. */
const commitNode = defineNode({
  type: 'playbook.commit',
  description: "Commit a playbook step's answer (workflows compiled before playbook.step) with the role's commit convention; record a conflict it raises.",
  params: z.object({ step: Id, from: Id }).strict(),
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    if (!rc.plan.has(ctx.params.step)) return { output: { skipped: true } };
    const row = rc.st.step(rc.run.id, ctx.params.step);
    if (!(row?.status === 'done' && row.commit_oid) && !answered(row)) {
      const gen = ctx.steps()[ctx.params.from] as { data?: unknown; request?: PreparedRequest; costUsd?: number } | undefined;
      if (!gen) throw new NodeError(`no answer of ${ctx.params.from} in this run`, { retryable: false });
      recordAnswer(rc, ctx.params.step, gen);
    }
    return { output: await commitOrFail(rc, ctx.params.step) };
  },
});

const resolveNode = defineNode({
  type: 'playbook.resolve',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: 'Merge the step branches of a playbook phase; the Coordinator decides its conflicts and the steps concerned run again with the decision.',
  params: z.object({ phase: Id }).strict(),
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const r = await runAi(ctx, (ai) => resolvePhase(rc, ai, ctx.params.phase, ctx.node.id));
    if (suspended(r)) return r;
    return { output: r };
  },
});

/** A gate item's files for its review (branch "review"), or "done": it passed in an earlier round, a file is missing or empty, or none of its steps ran. */
const gateItemNode = defineNode({
  type: 'playbook.gate.item',
  description: "Read a quality gate checklist item's files on the phase branch for its ai.review; \"done\" when it already passed, a file is missing or empty, or its steps did not run.",
  params: z.object({ phase: Id, item: Id, round: z.number().int().min(0) }).strict(),
  branches: ['review', 'done'],
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const r = await gateItemFiles(rc, ctx.params.phase, ctx.params.item, ctx.params.round);
    return r.review ? { output: { files: r.files }, branch: 'review' } : { output: r, branch: 'done' };
  },
});

/** A round of the gate: the verdicts recorded per item; failures back to their roles ("fix") while rounds remain. */
const gateRoundNode = defineNode({
  type: 'playbook.gate.round',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: "Record a quality gate round's verdicts per checklist item; send the failing items back to their roles (branch fix) while rounds remain.",
  params: z.object({ phase: Id, round: z.number().int().min(0) }).strict(),
  branches: ['fix', 'done'],
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const r = await runAi(ctx, (ai) => gateRound(rc, ai, ctx.params.phase, ctx.params.round, ctx.steps(), ctx.node.id));
    if (suspended(r)) return r;
    return { output: r, branch: r.fix ? 'fix' : 'done' };
  },
});

const gateNode = defineNode({
  type: 'playbook.gate',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: 'The quality gate of a playbook phase: each checklist item judged with evidence, failures back to their role, then one approval when needed; merges the phase into main.',
  params: z.object({ phase: Id, reviewed: z.boolean().optional() }).strict(),
  async run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    const phaseId = ctx.params.phase;
    const phase = phaseOf(rc.def, phaseId);
    const setGate = (status: string, approvalId: string | null = null) => {
      const pr = rc.st.phase(rc.run.id, phaseId)!;
      const g = { ...(JSON.parse(pr.gate ?? '{}') as GateState), status };
      rc.st.setPhase(rc.run.id, phaseId, { gate: JSON.stringify(g) });
      rc.env.emit('playbooks.gate.updated', { runId: rc.run.id, phaseId, status: status as never, approvalId });
    };
    if (ctx.resume?.kind === 'approval') {
      rc.st.setRun(rc.run.id, { status: 'running', waiting_for: null });
      if (ctx.resume.status === 'approved') {
        setGate('approved');
        const oid = await runAi(ctx, (ai) => mergePhase(rc, ai, phaseId, ctx.node.id));
        if (suspended(oid)) return oid;
        return { output: { phase: phaseId, gate: 'approved', merge: oid, decidedBy: ctx.resume.decidedBy } };
      }
      setGate('rejected');
      setPhaseStatus(rc, phaseId, 'rejected', { finished_at: iso(ctx.env) });
      throw new NodeError(`The quality gate of phase "${phase.name}" was ${ctx.resume.status}${ctx.resume.reason ? `: ${ctx.resume.reason}` : ''}. Its branch is kept unmerged; start the playbook again to redo it.`, { retryable: false, code: 'gate_rejected' });
    }
    if (!phase.steps.some((s) => rc.plan.has(s.id))) return { output: { phase: phaseId, gate: 'skipped' } };
    const r = await runAi(ctx, async (ai) => {
      if (!phase.gate) return { merged: await mergePhase(rc, ai, phaseId, ctx.node.id), gate: null };
      const threshold = phase.gate.minConfidence ?? aiSettings(ai).confidenceThreshold;
      // reviewed: the checklist was judged by the gate rounds before (ai.review per item); else (workflows compiled before) here.
      const g = ctx.params.reviewed ? gateOutcome(rc, phaseId, threshold) : await runGate(rc, ai, phaseId, threshold, ctx.node.id);
      if (g.outcome === 'passed') return { merged: await mergePhase(rc, ai, phaseId, ctx.node.id), gate: g };
      return { merged: null, gate: g, threshold };
    });
    if (suspended(r)) return r;
    if (r.merged || !r.gate) return { output: { phase: phaseId, gate: r.gate ? 'passed' : 'none', merge: r.merged } };
    const pr = rc.st.phase(rc.run.id, phaseId)!;
    const diff = await phaseDiff(ctx.env.dataDir, pr.base_commit, pr.branch!);
    setPhaseStatus(rc, phaseId, 'waiting_approval');
    rc.st.setRun(rc.run.id, { status: 'waiting', waiting_for: `approval of the quality gate of ${phase.name}` });
    rc.env.emit('playbooks.gate.updated', { runId: rc.run.id, phaseId, status: 'waiting_approval', approvalId: null });
    return ctx.suspend({
      approval: {
        title: `Quality gate: ${phase.name} (${rc.def.name})`,
        payload: {
          playbookRun: rc.run.id,
          phase: phaseId,
          phaseName: phase.name,
          reason: r.gate.reason,
          checklist: r.gate.items.map((i) => ({ id: i.id, check: i.check, role: i.role, result: i.result, confidence: i.confidence, evidence: i.evidence, notes: i.notes, files: i.files })),
          diff: diff.map((d) => ({ path: d.path, status: d.status, diff: d.diff.length > 20_000 ? `${d.diff.slice(0, 20_000)}\n[cut]` : d.diff })),
        },
        ...(r.gate.confidence !== null ? { confidence: r.gate.confidence } : {}),
        reason: `${r.gate.reason} Approving merges the phase into the workspace.`,
      },
      state: { asked: true },
      waitingFor: 'approval',
    });
  },
});

const finishNode = defineNode({
  type: 'playbook.finish',
  description: 'Mark a playbook run finished.',
  params: z.object({}).strict(),
  run(ctx) {
    const rc = loadRun(ctx.env, runIdOf(ctx));
    rc.st.setRun(rc.run.id, { status: 'succeeded', finished_at: iso(ctx.env), waiting_for: null });
    rc.env.emit('playbooks.run.updated', { runId: rc.run.id, playbookId: rc.run.playbook_id, status: 'succeeded' });
    return { output: { playbookRun: rc.run.id } };
  },
});

export const PLAYBOOK_NODES = [phaseNode, stepNode, inputsNode, commitNode, resolveNode, gateItemNode, gateRoundNode, gateNode, finishNode] as NodeDef[];
