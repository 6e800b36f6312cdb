import { z } from 'zod';
import { NodeError, defineNode } from '../registry';
import { ex } from './util';

interface State {
  n: number;
  started: number;
  items: unknown[];
}

/**
 * Repeat a body (its own nodes and edges) for each item of a list, at most
 * `concurrency` at a time. Each item runs as a child run of the same workflow
 * version with input { item, index }; the output is the list of the bodies'
 * outputs in item order. A failed item fails the step.
 */
export default defineNode({
  type: 'forEach',
  description: 'Run a body for each item of a list, with a concurrency limit.',
  params: z
    .object({
      items: ex(z.array(z.unknown())),
      concurrency: ex(z.number().int().min(1).max(100)).default(1),
      body: z.object({ nodes: z.array(z.unknown()).min(1, 'the body needs at least one node'), edges: z.array(z.unknown()).default([]) }).strict(),
    })
    .strict(),
  paramSpec: { opaque: ['body'] },
  validate(p, _report, validateGraph) {
    validateGraph(p.body, 'body');
  },
  run(ctx) {
    const conc = Math.max(1, Math.min(100, Number(ctx.params.concurrency) || 1));
    const st = ctx.state as State | null | undefined;
    if (!st) {
      const items = ctx.params.items;
      if (!Array.isArray(items)) throw new NodeError(`parameter "items" must be a list, got ${JSON.stringify(items)?.slice(0, 100)}`, { retryable: false, code: 'bad_param' });
      if (items.length === 0) return { output: [] };
      const k = Math.min(conc, items.length);
      return ctx.suspend({
        children: items.slice(0, k).map((item, index) => ({ body: true as const, input: { item, index }, key: String(index) })),
        state: { n: items.length, started: k, items } satisfies State,
        waitingFor: `${items.length} items`,
      });
    }
    const children = ctx.children();
    const done = children.filter((c) => c.status === 'succeeded' || c.status === 'failed' || c.status === 'cancelled');
    const bad = done.find((c) => c.status !== 'succeeded');
    if (bad) {
      const idx = (bad.input as { index?: number } | null)?.index;
      throw new NodeError(`item ${idx} ${bad.status}${bad.error ? `: ${bad.error.message}` : ''} (run ${bad.id})`, { retryable: false, code: 'item_failed' });
    }
    if (done.length === st.n) {
      const out: unknown[] = new Array(st.n).fill(null);
      for (const c of done) out[(c.input as { index: number }).index] = c.output;
      return { output: out };
    }
    const running = st.started - done.length;
    const more = Math.max(0, Math.min(conc - running, st.n - st.started));
    const next = st.items.slice(st.started, st.started + more).map((item, j) => ({ body: true as const, input: { item, index: st.started + j }, key: String(st.started + j) }));
    return ctx.suspend({
      ...(next.length ? { children: next } : {}),
      state: { ...st, started: st.started + more },
      waitingFor: `${st.n - done.length} of ${st.n} items`,
    });
  },
});
