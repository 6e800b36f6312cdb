import { z } from 'zod';
import { WORKFLOW_ID_RULE, WorkflowId } from '../../../../shared/contract/workflow';
import { NodeError, defineNode } from '../registry';

/**
 * Start another workflow and (by default) wait for its result: the output is the child run's output.
 * `workflow` is an id, or an expression ("=input.next") evaluated when the step runs. A fixed id that leads
 * back to the calling workflow is refused at import (workflows.ts); an expression cannot be checked then,
 * so every start is also held to the setting engine.subworkflowDepth (store.ts).
 */
export default defineNode({
  type: 'subworkflow',
  description: 'Run another workflow and wait for its result.',
  params: z
    .object({
      workflow: z.string().refine((s) => /^=(?!=)/.test(s) || WorkflowId.safeParse(s).success, `name a workflow id (${WORKFLOW_ID_RULE}) or an expression starting with "="`),
      input: z.unknown().optional(),
    })
    .strict(),
  run(ctx) {
    const p = ctx.params;
    // The target chosen at the first run is kept in the state (an expression could evaluate differently on resume).
    const target = (ctx.state as { workflow?: unknown } | null | undefined)?.workflow ?? p.workflow;
    if (typeof target !== 'string' || !WorkflowId.safeParse(target).success) {
      throw new NodeError(`parameter "workflow" must be a workflow id, got ${JSON.stringify(target)?.slice(0, 100)} (${WORKFLOW_ID_RULE})`, { retryable: false, code: 'bad_param' });
    }
    if (ctx.state === undefined || ctx.state === null) {
      return ctx.suspend({
        children: [{ workflow: target, input: p.input === undefined ? ctx.input : p.input, key: 'sub' }],
        state: { started: true, workflow: target },
        waitingFor: `run of ${target}`,
      });
    }
    const [child] = ctx.children();
    if (!child) throw new NodeError(`the child run of ${target} is gone`, { retryable: false });
    if (child.status === 'succeeded') return { output: child.output };
    if (child.status === 'failed' || child.status === 'cancelled') {
      throw new NodeError(`sub-workflow ${target} ${child.status} (run ${child.id})${child.error ? `: ${child.error.message}` : ''}`, { retryable: false, code: 'child_failed' });
    }
    return ctx.suspend({ state: ctx.state, waitingFor: `run ${child.id} of ${target}` });
  },
});
