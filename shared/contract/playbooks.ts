/**
 * Agent-team playbooks (docs/playbooks.md): roles working in phases of
 * sequential or parallel steps, each step writing named outputs into the
 * workspace (a git repository), a quality gate per phase, execution modes,
 * scenarios, a conflict protocol. A playbook compiles to workflows of the
 * durable engine; these are its operations, the shape of its file format and
 * the push events the UI invalidates its queries on.
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';
import { ScoringConfig } from './crm';
import { SequenceDef } from './sales';

// ---------------------------------------------------------------- the file format

/** An id inside a playbook (role, phase, step, output, gate item, mode, scenario): lower-case letters, digits and -. */
export const PlaybookSlug = z
  .string({ error: 'give an id such as demand-gen' })
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and - (at most 63), such as demand-gen');

/** A workspace file a step writes or reads, e.g. strategy/gtm-strategy.md (no leading workspace/). */
export const PlaybookPath = z
  .string({ error: 'give a workspace path such as strategy/gtm-strategy.md' })
  .max(200, 'a workspace path is at most 200 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\.(md|txt|json|csv|html)$/,
    'use a relative path like strategy/gtm-strategy.md: letters, digits, . _ - and /, ending in .md, .txt, .json, .csv or .html',
  )
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), 'no "." or ".." segments');

/** A workspace folder a role reads or writes, e.g. strategy/ (a trailing / is optional; "" or / is the whole workspace). */
export const PlaybookFolder = z
  .string()
  .max(200)
  .regex(/^([A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\/?|\/?)$/, 'use a folder such as strategy/ (letters, digits, . _ - and /)');

const Text = (max: number, what: string) => z.string({ error: `give ${what}` }).trim().min(1, `give ${what}`).max(max, `at most ${max} characters`);

export const PlaybookRole = z
  .object({
    id: PlaybookSlug,
    name: Text(80, 'the role a name'),
    /** The role's system prompt (its profile): who it is, what it is responsible for. */
    systemPrompt: Text(20_000, 'the role a system prompt'),
    /** Workspace folders whose files the role may be given as inputs. */
    reads: z.array(PlaybookFolder).max(50).default([]),
    /** Workspace folders the role's outputs must be in. */
    writes: z.array(PlaybookFolder).min(1, 'name at least one folder the role writes, such as strategy/').max(50),
    /** The Claude model (default: the ai.model setting). */
    model: z.string().trim().min(1).max(100).optional(),
    /** What the role may spend in one run, in US dollars (the daily cap holds besides). */
    budgetUsd: z.number().positive('a budget is more than 0').max(10_000).optional(),
    /** The tag of its commits, `[tag] action: …` (default: the role id). */
    commitTag: PlaybookSlug.optional(),
  })
  .strict();
export type PlaybookRole = z.output<typeof PlaybookRole>;

/** What a step reads: a workspace file, an output of an earlier step (`step.output`), or a config field. */
export const PlaybookInput = z.union(
  [
    z.object({ path: PlaybookPath, optional: z.boolean().default(false) }).strict(),
    z
      .object({ output: z.string().regex(/^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/, 'name an earlier output as step-id.output-name, such as gtm-strategy.strategy') })
      .strict(),
    z.object({ config: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'name a config field such as targetCustomer') }).strict(),
  ],
  { error: 'an input is { path: "strategy/x.md" }, { output: "step-id.output-name" } or { config: "field" }' },
);
export type PlaybookInput = z.output<typeof PlaybookInput>;

export const PlaybookOutput = z
  .object({
    name: PlaybookSlug,
    path: PlaybookPath,
    description: z.string().trim().max(500).optional(),
  })
  .strict();

export const PlaybookStep = z
  .object({
    id: PlaybookSlug,
    role: PlaybookSlug,
    title: Text(200, 'the step a title'),
    /** The action word of its commit, `[tag] action: title` (e.g. campaign, strategy). */
    action: PlaybookSlug.default('update'),
    inputs: z.array(PlaybookInput).max(50).default([]),
    activities: z.array(Text(1000, 'an activity')).min(1, 'list at least one activity').max(30),
    outputs: z.array(PlaybookOutput).min(1, 'a step writes at least one output').max(20),
    estimatedMinutes: z.number().positive('estimate more than 0 minutes').max(10_000),
  })
  .strict();
export type PlaybookStep = z.output<typeof PlaybookStep>;

export const PlaybookGateItem = z
  .object({
    id: PlaybookSlug,
    /** What the reviewer checks, as a yes/no statement. */
    check: Text(1000, 'the checklist item'),
    /** The role a failure goes back to (with the reviewer's notes). */
    role: PlaybookSlug,
    /** The outputs judged (`step.output`); default: every output of the role in the phase. */
    outputs: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/, 'name an output as step-id.output-name')).max(30).optional(),
  })
  .strict();

export const PlaybookGate = z
  .object({
    items: z.array(PlaybookGateItem).min(1, 'a gate has at least one checklist item').max(40),
    /** How many times a failing item goes back to its role before the gate asks you. */
    maxRetries: z.number().int().min(0).max(3).default(1),
    /** Reviews below this confidence (0-1) ask you; default: the ai.confidenceThreshold setting. */
    minConfidence: z.number().min(0).max(1).optional(),
  })
  .strict();

export const PlaybookPhase = z
  .object({
    id: PlaybookSlug,
    name: Text(120, 'the phase a name'),
    execution: z.enum(['sequential', 'parallel'], { error: 'execution is sequential or parallel' }),
    description: z.string().trim().max(2000).optional(),
    steps: z.array(PlaybookStep).min(1, 'a phase has at least one step').max(30),
    gate: PlaybookGate.optional(),
  })
  .strict();
export type PlaybookPhase = z.output<typeof PlaybookPhase>;

export const PlaybookMode = z
  .object({
    id: PlaybookSlug,
    name: Text(80, 'the mode a name'),
    description: z.string().trim().max(2000).default(''),
    /** The phases it runs, in playbook order. */
    phases: z.array(PlaybookSlug).min(1, 'a mode runs at least one phase'),
    /** Only these steps of those phases (default: all). */
    steps: z.array(PlaybookSlug).optional(),
    /** Only the steps of these roles (default: all). */
    roles: z.array(PlaybookSlug).optional(),
    /** The person picks one role at start (single agent): only that role's steps run. */
    chooseRole: z.boolean().default(false),
  })
  .strict();
export type PlaybookMode = z.output<typeof PlaybookMode>;

export const PlaybookConfigField = z
  .object({
    key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'use a key such as targetCustomer'),
    label: Text(120, 'the field a label'),
    description: z.string().trim().max(1000).optional(),
    type: z.enum(['text', 'longtext', 'number']).default('text'),
    required: z.boolean().default(false),
  })
  .strict();
export type PlaybookConfigField = z.output<typeof PlaybookConfigField>;

export const PlaybookScenario = z
  .object({
    id: PlaybookSlug,
    name: Text(120, 'the scenario a name'),
    description: z.string().trim().max(2000).default(''),
    /** The mode it runs. */
    mode: PlaybookSlug,
    focus: z.array(Text(500, 'a focus')).max(20).default([]),
    risks: z.array(Text(500, 'a risk')).max(20).default([]),
    /** Preset config values (the person may still edit them at start). */
    config: z.record(z.string(), z.string().max(20_000)).default({}),
  })
  .strict();

export const PlaybookDecisionCriterion = z
  .object({
    mode: PlaybookSlug,
    /** Situations in which this mode is the right one. */
    when: z.array(Text(500, 'a situation')).min(1),
  })
  .strict();

/** A playbook file (YAML or JSON). resources/playbook.schema.json is its JSON Schema. */
export const PlaybookDefinition = z
  .object({
    id: PlaybookSlug,
    name: Text(120, 'the playbook a name'),
    description: z.string().trim().max(5000).default(''),
    version: z.number().int().positive().default(1),
    /** The role that decides conflicts (writes to strategy/decisions/). */
    coordinator: PlaybookSlug,
    roles: z.array(PlaybookRole).min(1, 'a playbook has at least one role').max(30),
    config: z.array(PlaybookConfigField).max(40).default([]),
    phases: z.array(PlaybookPhase).min(1, 'a playbook has at least one phase').max(20),
    modes: z.array(PlaybookMode).min(1, 'a playbook has at least one execution mode').max(20),
    scenarios: z.array(PlaybookScenario).max(20).default([]),
    decisionCriteria: z.array(PlaybookDecisionCriterion).max(20).default([]),
  })
  .strict();
export type PlaybookDefinition = z.output<typeof PlaybookDefinition>;
export type PlaybookDefinitionInput = z.input<typeof PlaybookDefinition>;

// ---------------------------------------------------------------- what the operations return

export const PlaybookSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  version: z.number().int(),
  builtIn: z.boolean(),
  roles: z.number().int(),
  phases: z.number().int(),
  steps: z.number().int(),
  /** Estimated minutes of a full run with parallel phases in parallel, and all steps one after another. */
  estimatedMinutes: z.object({ parallel: z.number(), sequential: z.number() }),
  modes: z.array(z.object({ id: z.string(), name: z.string() })),
  updatedAt: z.string(),
  lastRun: z.object({ id: z.string(), status: z.string(), mode: z.string(), startedAt: z.string() }).nullable(),
});
export type PlaybookSummary = z.infer<typeof PlaybookSummary>;

/** What a mode runs. */
export const PlaybookModePlan = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  chooseRole: z.boolean(),
  phases: z.array(z.object({ id: z.string(), name: z.string(), steps: z.array(z.string()) })),
  estimatedMinutes: z.object({ parallel: z.number(), sequential: z.number() }),
});
export type PlaybookModePlan = z.infer<typeof PlaybookModePlan>;

export const PlaybookDetail = PlaybookSummary.extend({
  definition: PlaybookDefinition,
  /** JSON Schema of the config (for a form): the playbook's config fields. */
  configSchema: z.record(z.string(), z.unknown()),
  modePlans: z.array(PlaybookModePlan),
  /** The text it was imported from (YAML or JSON); the built-in one as YAML. */
  source: z.string(),
  format: z.enum(['yaml', 'json']),
});
export type PlaybookDetail = z.infer<typeof PlaybookDetail>;

export const PlaybookRunStatus = z.enum(['running', 'waiting', 'succeeded', 'failed', 'cancelled']);
export type PlaybookRunStatus = z.infer<typeof PlaybookRunStatus>;

export const PlaybookRunSummary = z.object({
  id: z.string(),
  playbookId: z.string(),
  playbookName: z.string(),
  mode: z.string(),
  modeName: z.string(),
  scenario: z.string().nullable(),
  /** Single agent: the chosen role. */
  role: z.string().nullable(),
  status: PlaybookRunStatus,
  /** Why it waits, in words ("approval of the Pipeline Building gate", "budget: daily cap reached …"); null when not waiting. */
  waitingFor: z.string().nullable(),
  /** The engine run that executes it (runs.get). */
  workflowRunId: z.string().nullable(),
  currentPhase: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  costUsd: z.number(),
  estimatedMinutes: z.number(),
  actualMinutes: z.number().nullable(),
  error: z.string().nullable(),
});
export type PlaybookRunSummary = z.infer<typeof PlaybookRunSummary>;

export const PlaybookStepStatus = z.enum(['pending', 'skipped', 'running', 'done', 'failed']);
export const PlaybookRunStep = z.object({
  id: z.string(),
  title: z.string(),
  role: z.string(),
  roleName: z.string(),
  status: PlaybookStepStatus,
  estimatedMinutes: z.number(),
  actualMinutes: z.number().nullable(),
  costUsd: z.number(),
  /** 1 + the times it was sent back by the gate or re-run after a decision. */
  attempts: z.number().int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** The commit of its outputs (the last attempt). */
  commit: z.string().nullable(),
  outputs: z.array(z.object({ name: z.string(), path: z.string(), bytes: z.number().int().nullable() })),
  error: z.string().nullable(),
});
export type PlaybookRunStep = z.infer<typeof PlaybookRunStep>;

export const PlaybookGateItemResult = z.object({
  id: z.string(),
  check: z.string(),
  role: z.string(),
  result: z.enum(['pass', 'fail']).nullable(),
  confidence: z.number().nullable(),
  /** Quoted from the outputs by the reviewer. */
  evidence: z.string(),
  /** What to fix (sent back to the role). */
  notes: z.string(),
  attempts: z.number().int(),
  files: z.array(z.string()),
});
export type PlaybookGateItemResult = z.infer<typeof PlaybookGateItemResult>;

export const PlaybookGateStatus = z.enum(['pending', 'reviewing', 'passed', 'waiting_approval', 'approved', 'rejected']);
export const PlaybookRunGate = z.object({
  status: PlaybookGateStatus,
  /** The lowest confidence of the last review. */
  confidence: z.number().nullable(),
  threshold: z.number(),
  approvalId: z.string().nullable(),
  items: z.array(PlaybookGateItemResult),
});
export type PlaybookRunGate = z.infer<typeof PlaybookRunGate>;

export const PlaybookPhaseStatus = z.enum(['pending', 'skipped', 'running', 'gate', 'waiting_approval', 'merged', 'rejected', 'failed']);
export type PlaybookPhaseStatus = z.infer<typeof PlaybookPhaseStatus>;
export const PlaybookRunPhase = z.object({
  id: z.string(),
  name: z.string(),
  execution: z.enum(['sequential', 'parallel']),
  status: PlaybookPhaseStatus,
  /** The workspace branch of the phase (merged into main after its gate). */
  branch: z.string().nullable(),
  mergeCommit: z.string().nullable(),
  estimatedMinutes: z.number(),
  actualMinutes: z.number().nullable(),
  costUsd: z.number(),
  steps: z.array(PlaybookRunStep),
  gate: PlaybookRunGate.nullable(),
});
export type PlaybookRunPhase = z.infer<typeof PlaybookRunPhase>;

/** The status file of a role (workspace/status/<role>.md): task, status, outputs, blockers, next. */
export const PlaybookRoleStatus = z.object({
  role: z.string(),
  name: z.string(),
  phase: z.string().nullable(),
  task: z.string().nullable(),
  status: z.enum(['idle', 'working', 'complete', 'blocked', 'waiting']),
  outputs: z.array(z.string()),
  blockers: z.array(z.string()),
  next: z.string().nullable(),
  path: z.string(),
  updatedAt: z.string().nullable(),
});
export type PlaybookRoleStatus = z.infer<typeof PlaybookRoleStatus>;

export const PlaybookDecision = z.object({
  conflictId: z.string(),
  /** The position chosen, or the Coordinator's own synthesis. */
  choice: z.string(),
  rationale: z.string(),
  /** strategy/decisions/<file>.md */
  path: z.string(),
  decidedBy: z.string(),
  decidedAt: z.string(),
});
export type PlaybookDecision = z.infer<typeof PlaybookDecision>;

export const PlaybookConflict = z.object({
  id: z.string(),
  phaseId: z.string(),
  stepId: z.string().nullable(),
  /** positions: raised by a role's step; merge: the workspace could not merge a phase branch. */
  kind: z.enum(['positions', 'merge']),
  raisedBy: z.string(),
  topic: z.string(),
  positions: z.array(z.object({ role: z.string(), position: z.string() })),
  files: z.array(z.string()),
  status: z.enum(['open', 'decided']),
  decision: PlaybookDecision.nullable(),
  /** Steps re-run with the decision as input. */
  rerunSteps: z.array(z.string()),
  raisedAt: z.string(),
});
export type PlaybookConflict = z.infer<typeof PlaybookConflict>;

export const PlaybookRunDetail = PlaybookRunSummary.extend({
  config: z.record(z.string(), z.string()),
  task: z.string().nullable(),
  phases: z.array(PlaybookRunPhase),
  roles: z.array(PlaybookRoleStatus),
  conflicts: z.array(PlaybookConflict),
  decisions: z.array(PlaybookDecision),
  /** The decision criteria of the playbook (which mode suits which situation). */
  decisionCriteria: z.array(z.object({ mode: z.string(), when: z.array(z.string()) })),
});
export type PlaybookRunDetail = z.infer<typeof PlaybookRunDetail>;

// ---------------------------------------------------------------- the workspace repository

const Oid = z.string().regex(/^[0-9a-f]{7,40}$/, 'use a commit id (hex) from workspace.history');

export const WorkspaceCommit = z.object({
  oid: z.string(),
  message: z.string(),
  author: z.string(),
  at: z.string(),
  /** From the `[tag] action: …` convention, null for other commits. */
  role: z.string().nullable(),
  action: z.string().nullable(),
  parents: z.array(z.string()),
});
export type WorkspaceCommit = z.infer<typeof WorkspaceCommit>;

export const WorkspaceDiff = z.object({
  path: z.string(),
  commit: z.string(),
  /** The commit compared with (the first parent unless `against`); null for the first commit. */
  base: z.string().nullable(),
  /** Unified diff, empty when the file did not change. */
  diff: z.string(),
  added: z.number().int(),
  removed: z.number().int(),
});
export type WorkspaceDiff = z.infer<typeof WorkspaceDiff>;

const Limit = z.number().int().min(1).max(500).default(50);

// ---------------------------------------------------------------- outputs that act

export const PlaybookApplyKind = z.enum(['scoring', 'sequence', 'campaigns'], { error: 'kind: use scoring (lead-scoring rules), sequence (the onboarding sequence) or campaigns (campaign plans)' });
/** Where an applied output comes from: a workspace file at a commit (and the playbook run that merged it, when known). */
export const PlaybookApplySource = z
  .object({
    path: PlaybookPath,
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'a commit id of the workspace'),
    blob: z.string().regex(/^[0-9a-f]{40}$/, 'the file\'s blob id in the workspace'),
    runId: z.string().nullable(),
  })
  .strict();
export type PlaybookApplySource = z.infer<typeof PlaybookApplySource>;
/** A problem found reading an output (the part is skipped, or the apply refused): where, and what to change. */
export const PlaybookApplyIssue = z.object({ path: z.string(), message: z.string() });
/** A campaign designed in demand-gen/campaigns.md, as the campaign engine plans it. */
export const PlaybookCampaignItem = z
  .object({
    name: z.string().trim().min(1, 'give the campaign a name').max(200),
    channel: z.string().trim().min(1, 'give the channel').max(100),
    audience: z.string().trim().min(1, 'give the audience').max(300),
    offer: z.string().trim().min(1, 'give the offer').max(300),
    budget: z.number({ error: 'give the budget as a number' }).min(0, 'the budget is 0 or more').max(1_000_000_000),
    expectedRoi: z.number().min(-1).max(1000).nullable().default(null),
    leads: z.number().int().min(0).max(1_000_000_000).nullable().default(null),
  })
  .strict();
export type PlaybookCampaignItem = z.infer<typeof PlaybookCampaignItem>;

export const playbooksOps = {
  'playbooks.list': op('Playbooks (the built-in go-to-market one and yours) with their roles, phases, modes, estimated time and last run.', Empty, z.object({ playbooks: z.array(PlaybookSummary) })),
  'playbooks.get': op(
    'One playbook: its definition, the config schema (for the start form), what each mode runs, scenarios and decision criteria.',
    z.object({ id: PlaybookSlug }).strict(),
    PlaybookDetail,
  ),
  'playbooks.import': op(
    'Validate and store a playbook from YAML or JSON text (a new version of one with the same id). Refused, naming the step and the field, for an unknown role, an input no earlier step writes, a cycle; nothing is stored then.',
    z
      .object({
        text: z.string().min(1, 'the playbook text is empty').max(2_000_000, 'a playbook is at most 2,000,000 characters'),
        /** Default: JSON when the text starts with {, else YAML. */
        format: z.enum(['yaml', 'json']).optional(),
      })
      .strict(),
    z.object({ playbook: PlaybookSummary, created: z.boolean() }),
  ),
  'playbooks.validate': op(
    'Check a playbook text without storing it: the problems, each naming its field.',
    z.object({ text: z.string().min(1, 'the playbook text is empty').max(2_000_000), format: z.enum(['yaml', 'json']).optional() }).strict(),
    z.object({ ok: z.boolean(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }),
  ),
  'playbooks.delete': op('Delete an imported playbook (the built-in one cannot be deleted; its runs are kept).', z.object({ id: PlaybookSlug }).strict(), z.object({ deleted: z.boolean() })),
  'playbooks.schema': op('The JSON Schema of the playbook file format.', Empty, z.object({ schema: z.record(z.string(), z.unknown()) })),
  'playbooks.start': op(
    'Start a playbook run: a mode, and a scenario (its preset config) and/or config values; single agent modes name the role (and optionally a task).',
    z
      .object({
        playbookId: PlaybookSlug,
        mode: PlaybookSlug,
        scenario: PlaybookSlug.optional(),
        config: z.record(z.string(), z.union([z.string().max(20_000), z.number().min(-1e12).max(1e12)])).default({}),
        role: PlaybookSlug.optional(),
        task: z.string().trim().max(5000).optional(),
      })
      .strict(),
    z.object({ run: PlaybookRunSummary }),
  ),
  'playbooks.runs': op(
    'Playbook runs, newest first.',
    z.object({ playbookId: PlaybookSlug.optional(), status: PlaybookRunStatus.optional(), limit: Limit }).strict(),
    z.object({ runs: z.array(PlaybookRunSummary) }),
  ),
  'playbooks.run': op(
    'One playbook run: the phase map, each role\'s status (task, status, outputs, blockers, next), estimated vs actual minutes and cost per step, gates with checklist results and evidence, conflicts and decisions.',
    z.object({ id: z.string().min(1) }).strict(),
    PlaybookRunDetail,
  ),
  'playbooks.cancel': op('Cancel a playbook run (its engine run stops; merged phases stay merged).', z.object({ id: z.string().min(1) }).strict(), z.object({ run: PlaybookRunSummary })),
  'playbooks.phaseDiff': op(
    'The diff of a phase branch against main (what approving its gate merges), file by file.',
    z.object({ runId: z.string().min(1), phaseId: PlaybookSlug }).strict(),
    z.object({ branch: z.string(), files: z.array(z.object({ path: z.string(), status: z.enum(['added', 'modified', 'deleted']), diff: z.string() })) }),
  ),
  'playbooks.apply.preview': op(
    'Outputs that act: preview what an output of the team would change in Baton. scoring: the lead-scoring criteria (demand-gen/lead-scoring.md, pipeline/scoring-model.md) as Baton\'s scoring rules (with Claude) and a diff of the current rules; sequence: the onboarding e-mails of Customer Success (customer-success/onboarding-playbook.md) as a Baton sequence; campaigns: the campaign designs of Demand Generation (demand-gen/campaigns.md) as plan items of the campaign engine. Read on main, or as merged by the run runId. Nothing changes until playbooks.apply.',
    z.object({ kind: PlaybookApplyKind, runId: z.string().min(1).optional() }).strict(),
    z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('scoring'),
        sources: z.array(z.string()),
        current: ScoringConfig,
        proposed: ScoringConfig,
        /** Unified diff of the rules as JSON (current -> proposed). */
        diff: z.string(),
        costUsd: z.number(),
      }),
      z.object({
        kind: z.literal('sequence'),
        source: PlaybookApplySource,
        /** The sequence that apply would create (disabled: a draft you enable on the Sequences page). */
        proposed: SequenceDef,
        emails: z.array(z.object({ title: z.string(), subject: z.string(), body: z.string(), afterDays: z.number() })),
        /** The sequence this file already made (applying again changes nothing). */
        existing: z.object({ id: z.string(), name: z.string(), enabled: z.boolean() }).nullable(),
        issues: z.array(PlaybookApplyIssue),
      }),
      z.object({
        kind: z.literal('campaigns'),
        source: PlaybookApplySource,
        proposed: z.object({ items: z.array(PlaybookCampaignItem) }),
        /** The campaign plan this file already made (applying again changes nothing). */
        existingPlanId: z.number().int().nullable(),
        issues: z.array(PlaybookApplyIssue),
      }),
    ]),
  ),
  'playbooks.apply': op(
    'Apply a previewed output (after you reviewed it): scoring replaces the lead-scoring rules and re-scores every contact; sequence creates the onboarding sequence, disabled (once per file version); campaigns records a plan of the campaign engine whose items cite the run and the file (once per file version).',
    z.discriminatedUnion(
      'kind',
      [
        z.object({ kind: z.literal('scoring'), proposed: ScoringConfig }).strict(),
        z.object({ kind: z.literal('sequence'), source: PlaybookApplySource, proposed: SequenceDef }).strict(),
        z.object({ kind: z.literal('campaigns'), source: PlaybookApplySource, proposed: z.object({ items: z.array(PlaybookCampaignItem).min(1, 'give at least one campaign').max(100) }).strict() }).strict(),
      ],
      { error: 'kind: use scoring, sequence or campaigns' },
    ),
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('scoring'), rescored: z.number().int(), changed: z.number().int() }),
      z.object({ kind: z.literal('sequence'), sequenceId: z.string(), created: z.boolean(), enabled: z.boolean() }),
      z.object({ kind: z.literal('campaigns'), planId: z.number().int(), created: z.boolean(), items: z.number().int() }),
    ]),
  ),
  'workspace.history': op(
    'The commits that changed a workspace file (on main by default), newest first.',
    z.object({ path: PlaybookPath, ref: z.string().max(200).optional(), limit: Limit }).strict(),
    z.object({ path: z.string(), commits: z.array(WorkspaceCommit) }),
  ),
  'workspace.diff': op(
    'The unified diff of a workspace file at a commit against its parent (or against another commit).',
    z.object({ path: PlaybookPath, commit: Oid, against: Oid.optional() }).strict(),
    WorkspaceDiff,
  ),
  'workspace.log': op(
    'Recent commits of the workspace repository (main by default) with the files each changed.',
    z.object({ ref: z.string().max(200).optional(), limit: Limit }).strict(),
    z.object({ branch: z.string(), commits: z.array(WorkspaceCommit.extend({ files: z.array(z.string()) })) }),
  ),
} as const;

/** Push events: the UI invalidates its playbook queries on them. */
export const playbooksEvents = {
  'playbooks.changed': z.object({ id: z.string() }),
  'playbooks.run.updated': z.object({ runId: z.string(), playbookId: z.string(), status: PlaybookRunStatus }),
  'playbooks.phase.updated': z.object({ runId: z.string(), phaseId: z.string(), status: PlaybookPhaseStatus }),
  'playbooks.gate.updated': z.object({ runId: z.string(), phaseId: z.string(), status: PlaybookGateStatus, approvalId: z.string().nullable() }),
  'playbooks.conflict.updated': z.object({ runId: z.string(), conflictId: z.string(), status: z.enum(['open', 'decided']) }),
  'workspace.committed': z.object({ commit: z.string(), branch: z.string(), paths: z.array(z.string()) }),
} as const;

/** Engine events of the playbooks domain (what waiting steps wake on). */
export const playbooksEventTypes = {
  'playbooks.budget': eventType(
    "A playbook was imported again (a role's budgetUsd may be higher): playbook steps waiting for their role's budget check it again.",
    z.object({ playbookId: z.string() }).passthrough(),
  ),
} as const;
