// The workflow bench/peer.mjs runs on both systems, in the same shape:
//   webhook -> IF (visits >= 0) -> Set (email lower-cased, visits) -> Set (score = visits * 10) -> Set (tier)
// Two copies of each: the caller answered at once ("accept": Baton 202 onReceived,
// n8n onReceived) and answered with the run's result ("answer": lastNode on both).
// The answer to { email: "Lead7@Example.com", visits: 7 } is
// { email: "lead7@example.com", score: 70, tier: "hot" } on both.

export const SLUGS = { accept: 'peer-accept', answer: 'peer-answer' };

/** The request body of request i (the same on both systems). */
export const requestBody = (i) => JSON.stringify({ email: `Lead${i}@Example.com`, visits: i % 10 });

/** The workflow's output for request i (the same on both systems). */
export function expectedResult(i) {
  const visits = i % 10;
  return { email: `lead${i}@example.com`, score: visits * 10, tier: visits * 10 >= 50 ? 'hot' : 'warm' };
}

/** Whether an answer is exactly the workflow's output for request i (the same check on both systems). */
export function isResult(body, i) {
  try {
    const o = JSON.parse(body);
    const e = expectedResult(i);
    return o?.email === e.email && o?.score === e.score && o?.tier === e.tier;
  } catch {
    return false;
  }
}

/**
 * Whether an answer of `system` ('Baton' | 'n8n') in mode `kind` to request i is right (the load
 * generator counts only these). Answered at once: Baton 202 with the run id; n8n 200 with its
 * "Workflow was started" (n8n answers 200 "n8n is starting up. Please wait" while it migrates).
 * Answered with the result: 200 with exactly the workflow's output for request i.
 */
export function answerIsRight(system, kind) {
  if (kind === 'answer') return (status, body, i) => status === 200 && isResult(body, i);
  if (system === 'n8n') return (status, body) => status === 200 && body.includes('Workflow was started');
  return (status, body) => status === 202 && body.includes('"runId"');
}

/** Baton: a workflow definition for `baton workflow import`. */
export function batonWorkflow(kind) {
  const slug = SLUGS[kind];
  return {
    id: slug,
    name: `peer bench: webhook -> IF -> Set x3 (${kind})`,
    trigger:
      kind === 'answer'
        ? { type: 'webhook', slug, responseMode: 'lastNode', responseTimeout: '2m' }
        : { type: 'webhook', slug, responseMode: 'onReceived' },
    nodes: [
      { id: 'check', type: 'condition', params: { if: 'input.body.visits >= 0' } },
      { id: 'set1', type: 'set', params: { values: { email: '=$lowercase(input.body.email)', visits: '=input.body.visits' } } },
      { id: 'set2', type: 'set', params: { values: { email: '=prev.email', score: '=prev.visits * 10' } } },
      { id: 'set3', type: 'set', params: { values: { email: '=prev.email', score: '=prev.score', tier: '=prev.score >= 50 ? "hot" : "warm"' } } },
    ],
    edges: [
      { from: 'check', to: 'set1', branch: 'true' },
      { from: 'set1', to: 'set2' },
      { from: 'set2', to: 'set3' },
    ],
    settings: { escalateOnFailure: 'none' },
  };
}

/** n8n's id of the workflow of `kind` (16 alphanumerics, as n8n makes them). */
export const n8nWorkflowId = (kind) => (kind === 'answer' ? 'batonPeerAnswer1' : 'batonPeerAccept1');

/** n8n: a workflow for `n8n import:workflow` (nodes of n8n 1.x: Webhook v2, If v2.2, Set v3.4). */
export function n8nWorkflow(kind) {
  const slug = SLUGS[kind];
  const k = kind === 'answer' ? 2 : 1;
  const nodeId = (x) => `00000000-0000-4000-8000-0000000000${k}${x}`;
  const set = (name, x, assignments) => ({
    id: nodeId(x),
    name,
    type: 'n8n-nodes-base.set',
    typeVersion: 3.4,
    position: [400 + x * 200, 300],
    parameters: {
      assignments: {
        assignments: assignments.map(([field, value, type], j) => ({ id: `a${x}${j}`, name: field, value, type })),
      },
      options: {},
    },
  });
  const link = (node) => ({ main: [[{ node, type: 'main', index: 0 }]] });
  return {
    id: n8nWorkflowId(kind),
    name: `peer bench: webhook -> IF -> Set x3 (${kind})`,
    active: false,
    settings: { executionOrder: 'v1' },
    pinData: {},
    nodes: [
      {
        id: nodeId(1),
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 300],
        webhookId: kind === 'answer' ? '6a3c1f0e-5b1d-4c43-9a51-2b7e8d3f0a02' : '6a3c1f0e-5b1d-4c43-9a51-2b7e8d3f0a01',
        parameters: {
          httpMethod: 'POST',
          path: slug,
          responseMode: kind === 'answer' ? 'lastNode' : 'onReceived',
          ...(kind === 'answer' ? { responseData: 'firstEntryJson' } : {}),
          options: {},
        },
      },
      {
        id: nodeId(2),
        name: 'If',
        type: 'n8n-nodes-base.if',
        typeVersion: 2.2,
        position: [200, 300],
        parameters: {
          conditions: {
            options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
            conditions: [
              { id: 'c1', leftValue: '={{ $json.body.visits }}', rightValue: 0, operator: { type: 'number', operation: 'gte' } },
            ],
            combinator: 'and',
          },
          options: {},
        },
      },
      set('Set 1', 3, [
        ['email', '={{ $json.body.email.toLowerCase() }}', 'string'],
        ['visits', '={{ $json.body.visits }}', 'number'],
      ]),
      set('Set 2', 4, [
        ['email', '={{ $json.email }}', 'string'],
        ['score', '={{ $json.visits * 10 }}', 'number'],
      ]),
      set('Set 3', 5, [
        ['email', '={{ $json.email }}', 'string'],
        ['score', '={{ $json.score }}', 'number'],
        ['tier', "={{ $json.score >= 50 ? 'hot' : 'warm' }}", 'string'],
      ]),
    ],
    connections: {
      Webhook: link('If'),
      If: { main: [[{ node: 'Set 1', type: 'main', index: 0 }], []] },
      'Set 1': link('Set 2'),
      'Set 2': link('Set 3'),
    },
  };
}
