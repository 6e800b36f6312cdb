/**
 * The triggers domain: the schedule service (started by hosts with the engine)
 * and the webhook route POST /hooks/<slug>, plus hooks.* and schedules.fires.
 * Registered after the engine in DOMAINS (it starts runs through it).
 */
import { desc, eq, lt } from 'drizzle-orm';
import { ApiError, SecretName, triggersOps, type HookAuth } from '../../../../shared/api';
import { durationMs, RESPONSE_TIMEOUT_DEFAULT } from '../../../../shared/contract/workflow';
import type { Core, RouteLimits } from '../../core';
import { defineDomain } from '../../domain';
import { hostService } from '../../env';
import { scheduleFires } from '../../db/schema/triggers';
import { backupToRestore, createBackup } from '../../backup';
import { checkStoreFile } from '../../db/integrity';
import { CorruptDatabaseError } from '../../db/open';
import { loadDefinition } from '../compile';
import { engineOf, RUN_ANSWERS } from '../index';
import { exportWorkflow, importWorkflow } from '../workflows';
import { DEFAULT_AUTH, hookSecretNameFor, secretRoles } from './hook-auth';
import type { HandlerMap } from '../../api/types';
import { scheduleIssues } from './schedule';
import { Scheduler, type ScheduledWorkflow } from './scheduler';
import { createHookHandler, generateHookSecret, hookSecretName, HOOK_BODY_LIMIT, HOOK_SLUG_RE, type HookTarget } from './webhook';

export { dueFires, nextFire, nextFires, scheduleIssues } from './schedule';
export { Scheduler } from './scheduler';
export { hookSecretName, signHookBody } from './webhook';

/** The schedule service of a host (tests drive its tick with an injected clock). */
export const SCHEDULER = hostService<Scheduler>('scheduler');

/**
 * Nightly maintenance rides on the same scheduler (so it is caught up once after
 * a sleep and runs once even with two processes): first the full check of the
 * store (checkStore: integrity_check and the JSON columns; damage stops the
 * night there: no backup of a damaged store, no pruning, a critical escalation
 * naming the backup to restore, and the fire is recorded as failed), then an
 * online backup (verified before it counts; rotated, setting backup.keep) and pruning of finished runs older than engine.pruneDays
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
  // On a read-only connection in a worker thread: seconds on a large store, which the host's main thread keeps for requests.
  const check = await checkStoreFile(core.dbFile, { nativeBinding: core.opts.nativeBinding });
  if (!check.ok) {
    const detail = `full check: ${check.problems.slice(0, 3).join('; ')}${check.problems.length > 3 ? ` (and ${check.problems.length - 3} more)` : ''}`;
    throw core.damage(new CorruptDatabaseError(core.dbFile, detail, backupToRestore(core.dataDir)))!;
  }
  core.log.info('maintenance: store check passed', { ms: check.ms });
  let backup;
  try {
    backup = await createBackup(core.db, core.dataDir, { keep: core.setting('backup.keep', 10), nativeBinding: core.opts.nativeBinding });
  } catch (e) {
    throw core.damage(e) ?? e;
  }
  core.bus.emit('backup.created', { file: backup.file, size: backup.size, createdAt: backup.createdAt, verifiedAt: backup.verifiedAt });
  const days = Number(core.setting('engine.pruneDays', 30));
  const pruned = Number.isFinite(days) && days >= 0 ? engine.prune(days) : 0;
  const cutoff = new Date(engine.now() - 90 * 86_400_000).toISOString();
  const fires = core.orm.delete(scheduleFires).where(lt(scheduleFires.fireAt, cutoff)).run().changes;
  core.log.info('maintenance done', { backup: backup.file, checkMs: check.ms, backupCheckMs: backup.checkMs, prunedRuns: pruned, prunedFires: fires });
  return { runId: key };
}

/**
 * Webhooks are posted by other services (Stripe, Meta, GitHub …), which send
 * bursts (a batch of events after an outage, a bulk change): 6,000 a minute per
 * address (500 at once), 60,000 a minute in all, bodies up to 256 KiB of JSON,
 * a form or text (docs/server.md, "Public routes"). A bad signature costs a
 * caller its budget all the same.
 */
export const HOOK_LIMITS: RouteLimits = {
  bodyLimit: HOOK_BODY_LIMIT,
  contentTypes: ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
  perIp: { perMinute: 6_000, burst: 500 },
  global: { perMinute: 60_000, burst: 5_000 },
};

/** The webhook route's limits with the route-wide rate of the setting hooks.perMinute (read at start; default 60,000). */
export function hookLimits(perMinute: number): RouteLimits {
  return { ...HOOK_LIMITS, global: { perMinute, burst: Math.max(5, Math.floor(perMinute / 12)) } };
}

/** How long POST /hooks/<slug> may use a hook secret it read (a change made by another process applies after it). */
export const HOOK_SECRET_TTL_MS = 1000;

/** The schedule service of a core. */
export function schedulerOf(core: Core): Scheduler {
  return core.get(SCHEDULER);
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
  settings: ['backup.keep', 'maintenance.enabled', 'maintenance.cron', 'maintenance.timezone', 'hooks.perMinute'],
  create(core) {
    return registerTriggers(core);
  },
});

function registerTriggers(core: Core) {
  const engine = engineOf(core);
  const db = core.db;
  const workflows = engine.store.repo.workflows;
  const listScheduled = (): ScheduledWorkflow[] => {
    const out: ScheduledWorkflow[] = [];
    for (const r of workflows.byTriggerType('schedule')) {
      const def = loadDefinition(db, r.id, r.version);
      if (def.trigger.type !== 'schedule') continue;
      const t = def.trigger;
      out.push({
        workflowId: r.id,
        enabled: r.enabled,
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
  // Damage met by any command, request or the nightly check: one critical escalation a day.
  const offDamaged = core.bus.on('database.damaged', (d) => {
    try {
      engine.raiseEscalation({
        severity: 'critical',
        title: 'The database is damaged',
        detail: d.message,
        key: `system:database-damaged:${new Date(engine.now()).toISOString().slice(0, 10)}`,
      });
    } catch (e) {
      core.log.error('could not record the damage as an escalation', { error: e as Error });
    }
  });
  // Imports, enable/disable and resume re-evaluate at once instead of at the next tick.
  core.bus.on('workflows.changed', () => scheduler.poke());

  const authOf = (id: string, version: number): HookAuth => {
    const t = loadDefinition(db, id, version).trigger;
    return (t.type === 'webhook' ? t.auth : undefined) ?? DEFAULT_AUTH;
  };
  const readHook = (slug: string): HookTarget | null => {
    const r = workflows.webhook(slug);
    if (!r) return null;
    // The current version's trigger: its auth and responseMode (definitions are cached per version).
    const t = loadDefinition(db, r.id, r.version).trigger;
    const auth = authOf(r.id, r.version);
    const base = { workflowId: r.id, enabled: r.enabled, version: r.version, auth };
    if (t.type !== 'webhook' || !t.responseMode || t.responseMode === 'onReceived') return base;
    return { ...base, response: { mode: t.responseMode, timeoutMs: durationMs(t.responseTimeout ?? RESPONSE_TIMEOUT_DEFAULT) } };
  };
  // The lean path of POST /hooks/<slug>: routes and secrets are cached. A route is dropped when a workflow
  // changes in this process (workflows.changed) and checked against the store inside the transaction that
  // inserts the run (a change made by another process: the request is handled again with a fresh route).
  // Secrets are dropped when one is set or rotated here (secrets.changed) and read again after
  // HOOK_SECRET_TTL_MS (a change made in the OS keychain or secrets file by another process); a refused
  // request is always decided on the stored route and secrets.
  const routes = new Map<string, HookTarget>();
  const secretCache = new Map<string, { value: string | null; at: number }>();
  const offRoutes = core.bus.on('workflows.changed', () => routes.clear());
  const offSecrets = core.bus.on('secrets.changed', () => secretCache.clear());
  const findHook = (slug: string, fresh = false): HookTarget | null => {
    const hit = fresh ? undefined : routes.get(slug);
    if (hit) return hit;
    const t = readHook(slug);
    if (t) routes.set(slug, t);
    else routes.delete(slug);
    return t;
  };
  const hookSecret = async (name: string, fresh = false): Promise<string | null> => {
    const hit = fresh ? undefined : secretCache.get(name);
    const now = Date.now();
    if (hit && now - hit.at < HOOK_SECRET_TTL_MS) return hit.value;
    const value = await core.secrets.get(name);
    secretCache.set(name, { value, at: now });
    return value;
  };
  /** Inside the insert's transaction: the cached route still is the store's (same workflow, version and switch). */
  const routeCurrent = (slug: string, t: HookTarget): boolean => {
    const r = workflows.webhook(slug);
    const ok = r !== undefined && r !== null && r.id === t.workflowId && r.version === t.version && r.enabled === t.enabled;
    if (!ok) routes.delete(slug);
    return ok;
  };
  const needHook = (slug: string) => {
    const hook = HOOK_SLUG_RE.test(slug) ? findHook(slug, true) : null;
    if (!hook) {
      throw new ApiError('not_found', `No webhook "${slug}": import a workflow whose trigger is { "type": "webhook", "slug": "${slug}" } first (see hooks.list).`, [
        { path: 'slug', message: 'no workflow has this webhook slug' },
      ]);
    }
    return hook;
  };
  const answers = core.get(RUN_ANSWERS);
  const hooks = createHookHandler({
      findHook,
      getSecret: hookSecret,
      now: () => engine.now(),
      // Group commit: the runs of requests that arrived together are inserted in one transaction; each
      // request is answered after that commit.
      startRun: (o) => {
        const { slug, target } = o;
        return engine.startRunGrouped(
          { workflow: o.workflow, input: o.input, trigger: o.trigger, ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}) },
          slug && target ? () => routeCurrent(slug, target) : undefined,
        );
      },
      awaitAnswer: (runId, mode, timeoutMs) => answers.wait(runId, mode, timeoutMs),
      log: core.log,
    });

  const handlers: HandlerMap<keyof typeof triggersOps> = {
    'hooks.list': async () => {
      const hooks = [];
      for (const r of workflows.webhooks()) {
        const slug = r.slug ?? '';
        const secretName = hookSecretName(slug);
        const auth = authOf(r.id, r.version);
        const secrets = [];
        for (const role of secretRoles(auth)) {
          const name = hookSecretNameFor(secretName, role);
          secrets.push({ role, name, set: (await core.secrets.get(name)) !== null });
        }
        hooks.push({ slug, workflowId: r.id, enabled: r.enabled, path: `/hooks/${slug}`, secretName, hasSecret: secrets[0]!.set, auth, secrets });
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
    routes: { hooks: { handler: hooks, limits: hookLimits(core.setting<number>('hooks.perMinute', 60_000)) } },
    services: [{ name: 'scheduler', start: () => scheduler.start(), stop: () => scheduler.stop() }],
    onClose: () => {
      offDamaged();
      offRoutes();
      offSecrets();
      return scheduler.stop();
    },
  };
}
