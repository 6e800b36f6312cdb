import { z } from 'zod';
import { WorkflowId } from '../../../../shared/contract/workflow';
import { NodeError, defineNode } from '../registry';

/** Start another workflow and (by default) wait for its result: the output is the child run's output. */
export default defineNode({
  type: 'subworkflow',
  description: 'Run another workflow and wait for its result.',
  params: z.object({ workflow: WorkflowId, input: z.unknown().optional() }).strict(),
  run(ctx) {
    const p = ctx.params;
    if (ctx.state === undefined || ctx.state === null) {
      return ctx.suspend({
        children: [{ workflow: p.workflow, input: p.input === undefined ? ctx.input : p.input, key: 'sub' }],
        state: { started: true },
        waitingFor: `run of ${p.workflow}`,
      });
    }
    const [child] = ctx.children();
    if (!child) throw new NodeError(`the child run of ${p.workflow} is gone`, { retryable: false });
    if (child.status === 'succeeded') return { output: child.output };
    if (child.status === 'failed' || child.status === 'cancelled') {
      throw new NodeError(`sub-workflow ${p.workflow} ${child.status} (run ${child.id})${child.error ? `: ${child.error.message}` : ''}`, { retryable: false, code: 'child_failed' });
    }
    return ctx.suspend({ state: ctx.state, waitingFor: `run ${child.id} of ${p.workflow}` });
  },
});
