/**
 * The workflow of each engine (docs/growth.md): one cycle IDLE -> ANALYZING ->
 * PLANNING -> EXECUTING -> LEARNING -> IDLE, on the engine's schedule
 * (settings growth.<engine>.cron) or started by hand (growth.run). Each is an
 * ordinary workflow (Workflows page, Runs page, editor): the growth nodes do
 * the analysis, planning and learning; execution goes through Baton's own
 * nodes (ai.generate, ai.review, approvals, wordpress.publish, crm.contact.*,
 * sequence.enroll).
 */
import { engineWorkflowId, ENGINE_LABELS, type Engine } from '../../../shared/contract/growth';
import type { WorkflowDefinitionInput } from '../../../shared/contract/workflow';
import type { ThreadEnv } from '../env';
import { engineCron, linkSettings, seoSettings } from './settings';

type Node = { id: string; type: string; params: Record<string, unknown> };
type Edge = { from: string; to: string; branch?: string };

/** The sequence the link engine enrolls prospects in when none is set (installed by growth.start). */
export const LINK_SEQUENCE_ID = 'growth-link-outreach';

const phase = (id: string, p: string): Node => ({ id, type: 'agent.phase', params: { phase: p } });

function chain(ids: string[]): Edge[] {
  const out: Edge[] = [];
  for (let i = 1; i < ids.length; i++) out.push({ from: ids[i - 1]!, to: ids[i]! });
  return out;
}

function cycle(engine: Engine, env: Pick<ThreadEnv, 'setting'>, description: string, analyze: Node[], plan: Node[], execute: { nodes: Node[]; edges: Edge[]; first: string; last: string }, learn: Node[]): WorkflowDefinitionInput {
  const tz = String(env.setting<string | null>('email.timeZone', null) ?? 'UTC');
  const head = [phase('analyzing', 'ANALYZING'), ...analyze, phase('planning', 'PLANNING'), ...plan, phase('executing', 'EXECUTING')];
  const tail = [phase('learning', 'LEARNING'), ...learn, phase('idle', 'IDLE')];
  return {
    id: engineWorkflowId(engine),
    name: `Growth: ${ENGINE_LABELS[engine]} engine`,
    description,
    trigger: { type: 'schedule', cron: engineCron(env, engine), timezone: tz, catchUp: 'once' },
    nodes: [...head, ...execute.nodes, ...tail],
    edges: [...chain(head.map((n) => n.id)), { from: head[head.length - 1]!.id, to: execute.first }, ...execute.edges, { from: execute.last, to: tail[0]!.id }, ...chain(tail.map((n) => n.id))],
    settings: { concurrency: 1, reenroll: true, escalateOnFailure: 'warning', timeout: '30d' },
  };
}

/** The body of an execution forEach: each item runs as a child run with input { item, index }. */
function forEach(id: string, items: string, nodes: Node[], edges: Edge[]): Node {
  return { id, type: 'forEach', params: { items, concurrency: 1, body: { nodes, edges } } };
}

export function seoWorkflow(env: Pick<ThreadEnv, 'setting'>): WorkflowDefinitionInput {
  const s = seoSettings(env);
  const body: Node[] = [
    { id: 'start', type: 'growth.item', params: { item: '=input.item.id', status: 'executing' } },
    {
      id: 'draft',
      type: 'ai.generate',
      params: {
        prompt:
          'Improve our page for the search keyword {{ input.item.title }} (change: {{ input.item.action }}). Targets from the pages ranking on top are in the data block: a title and a meta description within the target lengths, about the target number of words, the target number of subheadings, and links to the suggested pages of our own site. Give the page title, the meta description and the full body in Markdown with its subheadings.',
        data: { keyword: '=input.item.title', action: '=input.item.action', page: '=input.item.asset', targets: '=input.item.detail' },
        output: 'json',
        schema: {
          type: 'object',
          properties: { title: { type: 'string' }, meta: { type: 'string' }, body: { type: 'string' } },
          required: ['title', 'meta', 'body'],
        },
        maxTokens: 4096,
      },
    },
    {
      id: 'review',
      type: 'ai.review',
      params: {
        from: 'draft',
        checklist: [
          'The title contains the keyword and is within the target title length',
          'The meta description is within the target length and invites the click',
          'The body covers the keyword with about the target number of words and subheadings',
          'It links to the suggested pages of our own site',
          'It follows the brand documents (voice, claims, audience)',
        ],
        maxRevisions: 1,
      },
    },
    {
      id: 'publish',
      type: 'wordpress.publish',
      params: { title: '=steps.review.data.title', content: '=steps.review.data.body', excerpt: '=steps.review.data.meta', status: s.publishStatus, updateSlug: '=input.item.detail.slug' },
    },
    {
      id: 'done',
      type: 'growth.item',
      params: {
        item: '=input.item.id',
        status: 'done',
        actual: '={ "postId": steps.publish.postId, "link": steps.publish.link, "status": steps.publish.status, "updated": steps.publish.updated }',
        cost: '=$sum([steps.draft.costUsd, steps.review.costUsd])',
      },
    },
    { id: 'rejected', type: 'growth.item', params: { item: '=input.item.id', status: 'dropped', reason: 'the draft was rejected in review', cost: '=$sum([steps.draft.costUsd, steps.review.costUsd])' } },
    { id: 'gone', type: 'growth.item', params: { item: '=input.item.id', status: 'dropped', reason: '=input.error.message' } },
  ];
  const edges: Edge[] = [
    { from: 'start', to: 'draft', branch: 'go' },
    { from: 'draft', to: 'review' },
    { from: 'review', to: 'publish', branch: 'approved' },
    { from: 'review', to: 'rejected', branch: 'rejected' },
    { from: 'publish', to: 'done', branch: 'published' },
    { from: 'publish', to: 'rejected', branch: 'rejected' },
    { from: 'publish', to: 'gone', branch: 'error' },
  ];
  return cycle(
    'seo',
    env,
    'Finds quick wins and rank changes, plans the top keywords with what earlier cycles learned, drafts and reviews page changes and publishes them to WordPress, then learns from the ranks 14 and 28 days later.',
    [{ id: 'analyze', type: 'seo.analyze', params: {} }],
    [{ id: 'plan', type: 'growth.plan', params: { goal: 'Move the best quick-win keywords into the top 3', candidates: '=steps.analyze.candidates', limit: s.planSize, execute: s.executePerCycle, subject: 'action' } }],
    { nodes: [forEach('execute', '=steps.plan.execute', body, edges)], edges: [], first: 'execute', last: 'execute' },
    [{ id: 'learn', type: 'seo.learn', params: {} }],
  );
}

export function contentWorkflow(env: Pick<ThreadEnv, 'setting'>): WorkflowDefinitionInput {
  const briefBody: Node[] = [
    {
      id: 'brief',
      type: 'ai.generate',
      params: {
        prompt:
          'Write a content brief for the idea {{ input.item.title }} ({{ input.item.channel }}), angle: {{ input.item.angle }}. It rides the trend {{ input.item.trend }}, now {{ input.item.lifecycle }}. Give a headline, the audience, an outline of sections, the key points and the call to action.',
        output: 'json',
        schema: {
          type: 'object',
          properties: {
            headline: { type: 'string' },
            audience: { type: 'string' },
            outline: { type: 'array', items: { type: 'string' } },
            keyPoints: { type: 'array', items: { type: 'string' } },
            cta: { type: 'string' },
          },
          required: ['headline', 'outline', 'cta'],
        },
        maxTokens: 2048,
      },
    },
    { id: 'schedule', type: 'content.schedule', params: { idea: '=input.item.id', brief: '=steps.brief.data', cost: '=steps.brief.costUsd' } },
  ];
  const produceBody: Node[] = [
    {
      id: 'write',
      type: 'ai.generate',
      params: {
        prompt: 'Write the {{ input.item.channel }} piece from this brief: {{ input.item.title }}. Follow the outline, make the key points and end with the call to action. Give a title and the body in Markdown.',
        data: { brief: '=input.item.brief' },
        output: 'json',
        schema: { type: 'object', properties: { title: { type: 'string' }, body: { type: 'string' } }, required: ['title', 'body'] },
        maxTokens: 4096,
      },
    },
    { id: 'review', type: 'ai.review', params: { from: 'write', checklist: ['It follows the brief: outline, key points, call to action', 'It follows the brand documents', 'It is accurate and makes no claim the brief does not support'], maxRevisions: 1 } },
    { id: 'publish', type: 'wordpress.publish', params: { title: '=steps.review.data.title', content: '=steps.review.data.body', status: 'draft' } },
    { id: 'produced', type: 'content.schedule', params: { idea: '=input.item.id', status: 'produced', link: '=steps.publish.link', cost: '=$sum([steps.write.costUsd, steps.review.costUsd])' } },
    { id: 'dropped', type: 'content.schedule', params: { idea: '=input.item.id', status: 'dropped', cost: '=$sum([steps.write.costUsd, steps.review.costUsd])' } },
  ];
  const produceEdges: Edge[] = [
    { from: 'write', to: 'review' },
    { from: 'review', to: 'publish', branch: 'approved' },
    { from: 'review', to: 'dropped', branch: 'rejected' },
    { from: 'publish', to: 'produced', branch: 'published' },
    { from: 'publish', to: 'dropped', branch: 'rejected' },
  ];
  return cycle(
    'content',
    env,
    'Reads the trend sources, finds EMERGING / PEAK / DECLINING trends relevant to the brand (alerts on emerging ones), plans ideas with what earlier cycles learned, writes briefs into the content calendar, produces the pieces that are due as WordPress drafts, then learns which trends and channels made it through.',
    [{ id: 'analyze', type: 'content.analyze', params: {} }],
    [
      { id: 'plan', type: 'growth.plan', params: { goal: 'Turn the relevant trends into content ideas while they are fresh', candidates: '=steps.analyze.candidates', limit: 30, execute: 0, subject: 'action' } },
      {
        id: 'ideas',
        type: 'ai.generate',
        params: {
          prompt:
            'Give {{ vars.perTrend }} content ideas for each planned trend in the data block, each for one of the channels {{ vars.channels }} (the trend\'s action is the preferred channel). For each idea: the trend ref, a working title, the angle and the channel. What earlier cycles learned:\n{% for l in steps.plan.lessons %}- {{ l }}\n{% else %}- nothing yet\n{% endfor %}',
          data: { trends: '=steps.plan.items' },
          vars: { perTrend: '=steps.analyze.ideasPerTrend', channels: '=steps.analyze.channels' },
          output: 'json',
          schema: {
            type: 'object',
            properties: { ideas: { type: 'array', items: { type: 'object', properties: { ref: { type: 'string' }, title: { type: 'string' }, angle: { type: 'string' }, channel: { type: 'string' } }, required: ['ref', 'title', 'channel'] } } },
            required: ['ideas'],
          },
          maxTokens: 8192,
        },
      },
      { id: 'save', type: 'content.ideas', params: { ideas: '=steps.ideas.data.ideas', plan: '=steps.plan.planId', cost: '=steps.ideas.costUsd' } },
    ],
    {
      nodes: [forEach('briefs', '=steps.save.brief', briefBody, [{ from: 'brief', to: 'schedule' }]), forEach('produce', '=steps.analyze.due', produceBody, produceEdges)],
      edges: [{ from: 'briefs', to: 'produce' }],
      first: 'briefs',
      last: 'produce',
    },
    [{ id: 'learn', type: 'content.learn', params: {} }],
  );
}

export function linksWorkflow(env: Pick<ThreadEnv, 'setting'>): WorkflowDefinitionInput {
  const sequence = linkSettings(env).sequence ?? LINK_SEQUENCE_ID;
  const body: Node[] = [
    { id: 'start', type: 'growth.item', params: { item: '=input.item.id', status: 'executing' } },
    { id: 'contact', type: 'crm.contact.upsert', params: { email: '=input.item.detail.email', source: 'link building', tags: ['link-prospect'], custom: { prospect_site: '=input.item.detail.domain' } } },
    {
      id: 'line',
      type: 'ai.generate',
      params: {
        prompt:
          'Write the first line of an outreach e-mail to the editor of {{ input.item.detail.domain }} about a {{ input.item.action }} link opportunity on their page. One or two sentences, personal to their page (details in the data block), no flattery, no claims we cannot back. Only the line.',
        data: { page: '=input.item.detail.url', type: '=input.item.action', brokenLink: '=input.item.detail.brokenTarget', competitorsLinked: '=input.item.detail.competitors' },
        output: 'json',
        schema: { type: 'object', properties: { line: { type: 'string' } }, required: ['line'] },
        maxTokens: 400,
      },
    },
    { id: 'review', type: 'ai.review', params: { from: 'line', checklist: ['It is about their page, not generic', 'It is one or two sentences', 'It makes no claim we cannot back and no false flattery', 'It follows the voice and tone'], maxRevisions: 1 } },
    { id: 'personalise', type: 'crm.contact.update', params: { contactId: '=steps.contact.id', custom: { outreach_first_line: '=steps.review.data.line', outreach_page: '=input.item.detail.url' } } },
    { id: 'enroll', type: 'sequence.enroll', params: { sequence, contactId: '=steps.contact.id' } },
    { id: 'record', type: 'links.outreach', params: { item: '=input.item.id', contactId: '=steps.contact.id', enrollmentId: '=steps.enroll.enrollmentId', cost: '=$sum([steps.line.costUsd, steps.review.costUsd])' } },
    { id: 'done', type: 'growth.item', params: { item: '=input.item.id', status: 'done', actual: '={ "contactId": steps.contact.id, "enrolled": steps.enroll.enrolled, "enrollmentId": steps.enroll.enrollmentId }', cost: '=$sum([steps.line.costUsd, steps.review.costUsd])' } },
    { id: 'rejected', type: 'growth.item', params: { item: '=input.item.id', status: 'dropped', reason: 'the first line was rejected in review', cost: '=$sum([steps.line.costUsd, steps.review.costUsd])' } },
    { id: 'skipped', type: 'growth.item', params: { item: '=input.item.id', status: 'dropped', reason: '="not enrolled: " & steps.enroll.reason' } },
  ];
  const edges: Edge[] = [
    { from: 'start', to: 'contact', branch: 'go' },
    { from: 'contact', to: 'line' },
    { from: 'line', to: 'review' },
    { from: 'review', to: 'personalise', branch: 'approved' },
    { from: 'review', to: 'rejected', branch: 'rejected' },
    { from: 'personalise', to: 'enroll' },
    { from: 'enroll', to: 'record', branch: 'enrolled' },
    { from: 'enroll', to: 'skipped', branch: 'skipped' },
    { from: 'record', to: 'done' },
  ];
  return cycle(
    'links',
    env,
    'Finds the domains linking to competitors and not to us, checks broken links over HTTP, scores the prospects, plans outreach with what earlier cycles learned, writes reviewed personal first lines and enrolls the prospects in the outreach sequence, then verifies acquired links and learns which opportunity types pay off.',
    [{ id: 'analyze', type: 'links.analyze', params: {} }],
    [{ id: 'plan', type: 'growth.plan', params: { goal: 'Win links from the best prospects', candidates: '=steps.analyze.candidates', limit: 100, execute: '=steps.analyze.outreachPerCycle', subject: 'action' } }],
    { nodes: [forEach('execute', '=steps.plan.execute', body, edges)], edges: [], first: 'execute', last: 'execute' },
    [{ id: 'learn', type: 'links.learn', params: {} }],
  );
}

export function campaignsWorkflow(env: Pick<ThreadEnv, 'setting'>): WorkflowDefinitionInput {
  return cycle(
    'campaigns',
    env,
    'Learns success and failure patterns from the campaign memories, monitors running campaigns against their targets (escalations), plans new campaigns grounded in the memories with what earlier cycles learned, asks you to approve their budgets, allocates the portfolio budget, then learns from the finished campaigns.',
    [{ id: 'analyze', type: 'campaigns.analyze', params: {} }],
    [{ id: 'plan', type: 'growth.plan', params: { goal: 'Recommend the next campaigns with the best grounded ROI', candidates: '=steps.analyze.candidates', limit: 20, execute: '=steps.analyze.plansPerCycle', subject: 'action' } }],
    {
      nodes: [
        { id: 'prepare', type: 'campaigns.execute', params: { items: '=steps.plan.execute' } },
        {
          id: 'approve',
          type: 'approval',
          params: {
            title: '="Launch " & $string($count(steps.prepare.campaigns)) & " campaign(s) for $" & $string(steps.prepare.budget) & "?"',
            payload: '=steps.prepare',
            reason: 'New campaigns spend ad budget: each cites the memories its expected ROI comes from.',
            timeout: '7d',
          },
        },
        { id: 'launch', type: 'campaigns.launch', params: { ids: '=steps.prepare.ids', decision: '=steps.approve.decision' } },
      ],
      edges: [
        { from: 'prepare', to: 'approve' },
        { from: 'approve', to: 'launch' },
      ],
      first: 'prepare',
      last: 'launch',
    },
    [{ id: 'learn', type: 'campaigns.learn', params: {} }],
  );
}

export function engineWorkflow(engine: Engine, env: Pick<ThreadEnv, 'setting'>): WorkflowDefinitionInput {
  switch (engine) {
    case 'seo':
      return seoWorkflow(env);
    case 'content':
      return contentWorkflow(env);
    case 'links':
      return linksWorkflow(env);
    case 'campaigns':
      return campaignsWorkflow(env);
  }
}
