/**
 * The workflows and workflow_versions tables: stored definitions (one row per version, never
 * changed), the current version and switches, and the trigger lookups (event, schedule, webhook).
 */
import type { Sqlite } from '../../db/open';
import { parsedNotNull, prepareAll, type Stmt } from './sql';

/** A workflow's switches and current version. */
export interface WorkflowHead {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
}

/** What workflows.list shows of a workflow (its current definition parsed). */
export interface WorkflowSummaryRow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  version: number;
  eventsFrom: number;
  eventsFromAt: string | null;
  definition: unknown;
}

export interface NewWorkflow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  triggerType: string;
  triggerKey: string | null;
  at: string;
}

const SQL = {
  head: 'SELECT id, name, enabled, current_version AS version FROM workflows WHERE id = ?',
  definition: 'SELECT definition FROM workflow_versions WHERE workflow_id = ? AND version = ?',
  version: 'SELECT hash, definition FROM workflow_versions WHERE workflow_id = ? AND version = ?',
  currentDefinition: 'SELECT v.definition FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version WHERE w.id = ?',
  versions: 'SELECT version, created_at AS createdAt FROM workflow_versions WHERE workflow_id = ? ORDER BY version DESC',
  slugOwner: `SELECT id FROM workflows WHERE trigger_type = 'webhook' AND trigger_key = ? AND id <> ?`,
  setEnabled: 'UPDATE workflows SET enabled = ?, updated_at = ? WHERE id = ?',
  insertVersion: 'INSERT INTO workflow_versions (workflow_id, version, definition, hash, created_at) VALUES (?, ?, ?, ?, ?)',
  updateForVersion: 'UPDATE workflows SET name = ?, description = ?, current_version = ?, trigger_type = ?, trigger_key = ?, updated_at = ?, enabled = COALESCE(?, enabled) WHERE id = ?',
  insert: `INSERT INTO workflows (id, name, description, enabled, current_version, trigger_type, trigger_key, created_at, updated_at, events_from, events_from_at)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM events), ?)`,
  markEventsFrom: 'UPDATE workflows SET events_from = (SELECT COALESCE(MAX(id), 0) FROM events), events_from_at = ? WHERE id = ?',
  eventTriggers: `SELECT id, current_version AS version, trigger_key AS event, events_from AS eventsFrom FROM workflows WHERE enabled = 1 AND trigger_type = 'event'`,
  eventsFromIfEnabled: 'SELECT events_from AS eventsFrom FROM workflows WHERE id = ? AND enabled = 1',
  eventsFrom: 'SELECT current_version AS version, events_from AS eventsFrom, events_from_at AS eventsFromAt FROM workflows WHERE id = ?',
  byTriggerType: 'SELECT id, enabled, current_version AS version FROM workflows WHERE trigger_type = ?',
  webhook: `SELECT id, enabled, current_version AS version FROM workflows WHERE trigger_type = 'webhook' AND trigger_key = ?`,
  webhooks: `SELECT id, enabled, current_version AS version, trigger_key AS slug FROM workflows WHERE trigger_type = 'webhook' ORDER BY trigger_key`,
  summaries: `SELECT w.id, w.name, w.description, w.enabled, w.current_version AS version, w.events_from AS eventsFrom, w.events_from_at AS eventsFromAt, v.definition FROM workflows w
      JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version ORDER BY w.name`,
  testTwinVersion: 'SELECT current_version AS version FROM workflows WHERE id = ?',
  versionByHash: 'SELECT version FROM workflow_versions WHERE workflow_id = ? AND hash = ? ORDER BY version DESC LIMIT 1',
  maxVersion: 'SELECT MAX(version) AS v FROM workflow_versions WHERE workflow_id = ?',
  setCurrent: 'UPDATE workflows SET name = ?, current_version = ?, updated_at = ? WHERE id = ?',
  pruneUnused: 'DELETE FROM workflow_versions WHERE workflow_id = ? AND version <= ? AND version NOT IN (SELECT DISTINCT version FROM runs WHERE workflow_id = ?)',
  insertManualDisabled: `INSERT INTO workflows (id, name, description, enabled, current_version, trigger_type, trigger_key, created_at, updated_at) VALUES (?, ?, ?, 0, 1, 'manual', NULL, ?, ?)`,
  summary: `SELECT w.id, w.name, w.description, w.enabled, w.current_version AS version, w.events_from AS eventsFrom, w.events_from_at AS eventsFromAt, v.definition FROM workflows w
      JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version WHERE w.id = ? ORDER BY w.name`,
};

type Switch = { id: string; enabled: number; version: number };
const on = <T extends { enabled: number }>(r: T): Omit<T, 'enabled'> & { enabled: boolean } => ({ ...r, enabled: r.enabled === 1 });

export class WorkflowsRepo {
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, SQL);
  }

  head(id: string): WorkflowHead | undefined {
    const r = this.#s.head.get(id) as (Omit<WorkflowHead, 'enabled'> & { enabled: number }) | undefined;
    return r && on(r);
  }

  exists(id: string): boolean {
    return this.head(id) !== undefined;
  }

  /** A stored version's definition (parsed JSON, not validated), or undefined. */
  definition(id: string, version: number): unknown {
    const r = this.#s.definition.get(id, version) as { definition: string } | undefined;
    return r ? parsedNotNull(r.definition, 'workflow_versions.definition', `${id}@${version}`) : undefined;
  }

  /** A stored version's hash and definition (parsed JSON), or undefined. */
  version(id: string, version: number): { hash: string; definition: unknown } | undefined {
    const r = this.#s.version.get(id, version) as { hash: string; definition: string } | undefined;
    return r && { hash: r.hash, definition: parsedNotNull(r.definition, 'workflow_versions.definition', `${id}@${version}`) };
  }

  /** The current version's definition (parsed JSON), or undefined when there is no such workflow. */
  currentDefinition(id: string): unknown {
    const r = this.#s.currentDefinition.get(id) as { definition: string } | undefined;
    return r ? parsedNotNull(r.definition, 'workflow_versions.definition', id) : undefined;
  }

  /** Every version, newest first. */
  versions(id: string): { version: number; createdAt: string }[] {
    return this.#s.versions.all(id) as { version: number; createdAt: string }[];
  }

  /** The workflow (other than `exceptId`) whose webhook has this slug. */
  slugOwner(slug: string, exceptId: string): string | undefined {
    return (this.#s.slugOwner.get(slug, exceptId) as { id: string } | undefined)?.id;
  }

  setEnabled(id: string, enabled: boolean, at: string): void {
    this.#s.setEnabled.run(enabled ? 1 : 0, at, id);
  }

  /** A new workflow, version 1 (`definition`: its JSON text); its event trigger listens from the events' high-water mark. */
  insert(w: NewWorkflow, definition: string, hash: string): void {
    this.#s.insert.run(w.id, w.name, w.description, w.enabled ? 1 : 0, w.triggerType, w.triggerKey, w.at, w.at, w.at);
    this.#s.insertVersion.run(w.id, 1, definition, hash, w.at);
  }

  /** Version `version` of an existing workflow becomes current (`enabled` null: unchanged). */
  addVersion(w: Omit<NewWorkflow, 'enabled'> & { enabled: boolean | null }, version: number, definition: string, hash: string): void {
    this.#s.insertVersion.run(w.id, version, definition, hash, w.at);
    this.#s.updateForVersion.run(w.name, w.description, version, w.triggerType, w.triggerKey, w.at, w.enabled === null ? null : w.enabled ? 1 : 0, w.id);
  }

  /**
   * The workflow's event trigger starts listening now: at the events' high-water mark, read in the
   * caller's write transaction (docs/engine.md, "Event triggers").
   */
  markEventsFrom(id: string, at: string): void {
    this.#s.markEventsFrom.run(at, id);
  }

  /** Enabled event-triggered workflows: their current version, event type and mark. */
  eventTriggers(): { id: string; version: number; event: string; eventsFrom: number }[] {
    return this.#s.eventTriggers.all() as { id: string; version: number; event: string; eventsFrom: number }[];
  }

  /** The event trigger's mark of an enabled workflow, or null (disabled or gone). */
  eventsFromIfEnabled(id: string): number | null {
    return (this.#s.eventsFromIfEnabled.get(id) as { eventsFrom: number } | undefined)?.eventsFrom ?? null;
  }

  /** The current version and the event trigger's mark (and when it was set). */
  eventsFrom(id: string): { version: number; eventsFrom: number; eventsFromAt: string | null } | undefined {
    return this.#s.eventsFrom.get(id) as { version: number; eventsFrom: number; eventsFromAt: string | null } | undefined;
  }

  /** Workflows with this trigger type (schedule …). */
  byTriggerType(type: string): { id: string; enabled: boolean; version: number }[] {
    return (this.#s.byTriggerType.all(type) as Switch[]).map(on);
  }

  /** The workflow behind a webhook slug. */
  webhook(slug: string): { id: string; enabled: boolean; version: number } | undefined {
    const r = this.#s.webhook.get(slug) as Switch | undefined;
    return r && on(r);
  }

  /** Every webhook, by slug. */
  webhooks(): { id: string; enabled: boolean; version: number; slug: string | null }[] {
    return (this.#s.webhooks.all() as (Switch & { slug: string | null })[]).map(on);
  }

  /** Every workflow (or only `id`) with its current definition, by name. */
  summaries(only?: string): WorkflowSummaryRow[] {
    const rows = (only === undefined ? this.#s.summaries.all() : this.#s.summary.all(only)) as (Omit<WorkflowSummaryRow, 'enabled' | 'definition'> & { enabled: number; definition: string })[];
    return rows.map((r) => ({ ...on(r), definition: parsedNotNull(r.definition, 'workflow_versions.definition', `${r.id}@${r.version}`) }));
  }

  /**
   * A test twin's version of `definition` (editor test runs): the version already holding the same
   * definition, else a new current version; versions older than the last `keep` no run points at go.
   * A new twin is disabled and manual (no schedule, event or webhook ever starts it). Call in a transaction.
   */
  storeTestTwin(t: { id: string; name: string; description: string; definition: string; hash: string; at: string; keep: number }): number {
    const cur = this.#s.testTwinVersion.get(t.id) as { version: number } | undefined;
    if (!cur) {
      this.#s.insertManualDisabled.run(t.id, t.name, t.description, t.at, t.at);
      this.#s.insertVersion.run(t.id, 1, t.definition, t.hash, t.at);
      return 1;
    }
    const same = this.#s.versionByHash.get(t.id, t.hash) as { version: number } | undefined;
    if (same) return same.version;
    const version = ((this.#s.maxVersion.get(t.id) as { v: number | null }).v ?? 0) + 1;
    this.#s.insertVersion.run(t.id, version, t.definition, t.hash, t.at);
    this.#s.setCurrent.run(t.name, version, t.at, t.id);
    this.#s.pruneUnused.run(t.id, version - t.keep, t.id);
    return version;
  }
}
