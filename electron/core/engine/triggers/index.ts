/**
 * The triggers domain: the schedule service (started by hosts with the engine)
 * and the webhook route POST /hooks/<slug>, plus hooks.* and schedules.fires.
 * Registered after the engine in DOMAINS (it starts runs through it).
 */
import { desc, eq } from 'drizzle-orm';
import { ApiError, SecretName, triggersOps, type HookAuth } from '../../../../shared/api';
import type { Core, RouteLimits } from '../../core';
import { defineDomain } from '../../domain';
import { hostService } from '../../env';
import { scheduleFires } from '../../db/schema/triggers';
import { createBackup } from '../../backup';
import { loadDefinition } from '../compile';
import { engineOf } from '../index';
import { exportWorkflow, importWorkflow } from '../workflows';
import { DEFAULT_AUTH, hookSecretNameFor, secretRoles } from './hook-auth';
import type { HandlerMap } from '../../api/types';
import { scheduleIssues } from './schedule';
import { Scheduler, type ScheduledWorkflow } from './scheduler';
import { createHookHandler, generateHookSecret, hookSecretName, HOOK_BODY_LIMIT, HOOK_SLUG_RE } from './webhook';

export { dueFires, nextFire, nextFires, scheduleIssues } from './schedule';
export { Scheduler } from './scheduler';
export { hookSecretName, signHookBody } from './webhook';

/** The schedule service of a host (tests drive its tick with an injected clock). */
export const SCHEDULER = hostService<Scheduler>('scheduler');

/**
 * Nightly maintenance rides on the same scheduler (so it is caught up once after
 * a sleep and runs once even with two processes): an online backup (rotated,
 * setting backup.keep) and pruning of finished runs older than engine.pruneDays
 * (default 30; never an active run) and of schedule fire records older than
 * 90 days. Settings: maintenance.enabled (default true), maintenance.cron
 * (default "30 3 * * *"), maintenance.timezone (default: this machine's zone).
 */
export const MAINTENANCE_ID = '~maintenance';

function maintenanceSchedule(core: Core): ScheduledWorkflow {
  const cron = core.setting<string>('maintenance.cron', '30 3 * * *');
  const timezone = core.setting<string>('maintenance.timezone', Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const valid = scheduleIssues({ cron, timezone }, 'maintenance').length === 0;
  if (!valid) core.log.warn('maintenance schedule setting is invalid; using the default', { cron, timezone });
  return {
    workflowId: MAINTENANCE_ID,
    enabled: core.setting<boolean>('maintenance.enabled', true) !== false,
    schedule: valid ? { cron, timezone, catchUp: 'once' } : { cron: '30 3 * * *', timezone: 'UTC', catchUp: 'once' },
  };
}

async function runMaintenance(core: Core, key: string): Promise<{ runId: string }> {
  const engine = engineOf(core);
  const backup = await createBackup(core.db, core.dataDir, { keep: core.setting('backup.keep', 10) });
  core.bus.emit('backup.created', { file: backup.file, size: backup.size, createdAt: backup.createdAt });
  const days = Number(core.setting('engine.pruneDays', 30));
  const pruned = Number.isFinite(days) && days >= 0 ? engine.prune(days) : 0;
  const cutoff = new Date(engine.now() - 90 * 86_400_000).toISOString();
  const fires = core.db.prepare('DELETE FROM schedule_fires WHERE fire_at < ?').run(cutoff).changes;
  core.log.info('maintenance done', { backup: backup.file, prunedRuns: pruned, prunedFires: fires });
  return { runId: key };
}

/**
 * Webhooks are posted by other services (Stripe, Meta, GitHub …): 120 a minute
 * per address (60 at once), 1,200 a minute in all, bodies up to 256 KiB of JSON,
 * a form or text (docs/server.md, "Public routes").
 */
export const HOOK_LIMITS: RouteLimits = {
  bodyLimit: HOOK_BODY_LIMIT,
  contentTypes: ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
  perIp: { perMinute: 120, burst: 60 },
  global: { perMinute: 1200, burst: 200 },
};

/** The schedule service of a core. */
export function schedulerOf(core: Core): Scheduler {
  return core.get(SCHEDULER);
}

interface WorkflowRow {
  id: string;
  enabled: number;
  version: number;
  key: string | null;
}

/**
 * The triggers domain: the schedule service (started by hosts with the engine)
 * and the webhook route POST /hooks/<slug>, plus hooks.* and schedules.fires.
 */
export const triggersDomain = defineDomain({
  id: 'triggers',
  description: 'Schedules (cron with IANA time zones, catch-up), webhooks at /hooks/<slug>, nightly maintenance.',
  ops: triggersOps,
  requires: ['engine'],
  settings: ['backup.keep'],
  create(core) {
    return registerTriggers(core);
  },
});

function registerTriggers(core: Core) {
  const engine = engineOf(core);
  const db = core.db;
  const listScheduled = (): ScheduledWorkflow[] => {
    const rows = db.prepare(`SELECT id, enabled, current_version AS version FROM workflows WHERE trigger_type = 'schedule'`).all() as WorkflowRow[];
    const out: ScheduledWorkflow[] = [];
    for (const r of rows) {
      const def = loadDefinition(db, r.id, r.version);
      if (def.trigger.type !== 'schedule') continue;
      const t = def.trigger;
      out.push({
        workflowId: r.id,
        enabled: r.enabled === 1,
        schedule: { cron: t.cron, timezone: t.timezone, catchUp: t.catchUp, ...(t.catchUpWindow !== undefined ? { catchUpWindow: t.catchUpWindow } : {}) },
      });
    }
    return out;
  };

  const scheduler = new Scheduler({
    orm: core.orm,
    log: core.log,
    now: () => new Date(engine.now()),
    engine: {
      listScheduled: () => [...listScheduled(), maintenanceSchedule(core)],
      paused: () => engine.paused,
      startRun: async (o) => {
        if (o.workflow === MAINTENANCE_ID) return runMaintenance(core, o.idempotencyKey);
        return engine.startRun({ workflow: o.workflow, input: o.input, trigger: o.trigger, idempotencyKey: o.idempotencyKey });
      },
    },
  });
  core.provide(SCHEDULER, scheduler);
  // Imports, enable/disable and resume re-evaluate at once instead of at the next tick.
  core.bus.on('workflows.changed', () => scheduler.poke());

  const authOf = (id: string, version: number): HookAuth => {
    const t = loadDefinition(db, id, version).trigger;
    return (t.type === 'webhook' ? t.auth : undefined) ?? DEFAULT_AUTH;
  };
  const findHook = (slug: string) => {
    const r = db.prepare(`SELECT id, enabled, current_version AS version FROM workflows WHERE trigger_type = 'webhook' AND trigger_key = ?`).get(slug) as
      | { id: string; enabled: number; version: number }
      | undefined;
    return r ? { workflowId: r.id, enabled: r.enabled === 1, auth: authOf(r.id, r.version) } : null;
  };
  const needHook = (slug: string) => {
    const hook = HOOK_SLUG_RE.test(slug) ? findHook(slug) : null;
    if (!hook) {
      throw new ApiError('not_found', `No webhook "${slug}": import a workflow whose trigger is { "type": "webhook", "slug": "${slug}" } first (see hooks.list).`, [
        { path: 'slug', message: 'no workflow has this webhook slug' },
      ]);
    }
    return hook;
  };
  const hooks = createHookHandler({
      findHook,
      getSecret: (name) => core.secrets.get(name),
      now: () => engine.now(),
      startRun: async (o) => engine.startRun({ workflow: o.workflow, input: o.input, trigger: o.trigger, ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}) }),
      log: core.log,
    });

  const handlers: HandlerMap<keyof typeof triggersOps> = {
    'hooks.list': async () => {
      const rows = db.prepare(`SELECT id, enabled, current_version AS version, trigger_key AS key FROM workflows WHERE trigger_type = 'webhook' ORDER BY trigger_key`).all() as WorkflowRow[];
      const hooks = [];
      for (const r of rows) {
        const slug = r.key ?? '';
        const secretName = hookSecretName(slug);
        const auth = authOf(r.id, r.version);
        const secrets = [];
        for (const role of secretRoles(auth)) {
          const name = hookSecretNameFor(secretName, role);
          secrets.push({ role, name, set: (await core.secrets.get(name)) !== null });
        }
        hooks.push({ slug, workflowId: r.id, enabled: r.enabled === 1, path: `/hooks/${slug}`, secretName, hasSecret: secrets[0]!.set, auth, secrets });
      }
      return { hooks };
    },
    'hooks.configure': async ({ slug, auth }) => {
      const hook = needHook(slug);
      const def = exportWorkflow(db, hook.workflowId);
      if (def.trigger.type !== 'webhook') throw new ApiError('conflict', `Workflow "${hook.workflowId}" is no longer triggered by a webhook.`);
      const { version: _old, ...rest } = def;
      const r = importWorkflow(db, { ...rest, trigger: { ...def.trigger, auth } }, { nodes: core.nodes, env: core });
      if (r.changed) core.bus.emit('workflows.changed', { id: r.id });
      core.log.info('webhook authentication configured', { slug, type: auth.type, version: r.version });
      return { slug, workflowId: r.id, version: r.version, auth };
    },
    'hooks.setSecret': async ({ slug, role, value }) => {
      const hook = needHook(slug);
      if (!secretRoles(hook.auth ?? DEFAULT_AUTH).includes(role)) {
        throw new ApiError('invalid_input', `role: a ${hook.auth?.type ?? 'baton'} webhook has no ${role} secret (only Meta webhooks have a verify token).`, [{ path: 'role', message: `not used by a ${hook.auth?.type ?? 'baton'} webhook` }]);
      }
      const secretName = hookSecretNameFor(hookSecretName(slug), role);
      SecretName.parse(secretName);
      const clean = value.trim();
      if (!clean) throw new ApiError('invalid_input', 'value: the secret is only spaces; paste the value the provider shows.', [{ path: 'value', message: 'only spaces' }]);
      await core.secrets.set(secretName, clean);
      core.bus.emit('secrets.changed', { names: await core.secrets.list() });
      core.log.info('webhook secret stored', { slug, role, secretName });
      return { slug, role, secretName };
    },
    'hooks.rotateSecret': async ({ slug }) => {
      needHook(slug);
      const secretName = hookSecretName(slug);
      SecretName.parse(secretName);
      const secret = generateHookSecret();
      await core.secrets.set(secretName, secret);
      core.bus.emit('secrets.changed', { names: await core.secrets.list() });
      core.log.info('webhook secret rotated', { slug, secretName });
      return { slug, path: `/hooks/${slug}`, secretName, secret };
    },
    'schedules.fires': async ({ workflow, limit }) => {
      const q = core.orm.select().from(scheduleFires);
      const rows = (workflow ? q.where(eq(scheduleFires.workflowId, workflow)) : q).orderBy(desc(scheduleFires.fireAt)).limit(limit).all();
      return {
        fires: rows.map((r) => ({
          workflowId: r.workflowId,
          fireAt: r.fireAt,
          status: r.status as 'claimed' | 'started' | 'failed',
          runId: r.runId,
          late: r.late,
          error: r.error,
          claimedAt: r.claimedAt,
        })),
      };
    },
  };
  return {
    handlers,
    routes: { hooks: { handler: hooks, limits: HOOK_LIMITS } },
    services: [{ name: 'scheduler', start: () => scheduler.start(), stop: () => scheduler.stop() }],
    onClose: () => scheduler.stop(),
  };
}
