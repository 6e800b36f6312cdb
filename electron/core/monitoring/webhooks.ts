/**
 * The addresses of the alert webhooks live in the secret store (docs/monitoring.md, "Webhooks"):
 * a Slack or Discord incoming-webhook address is its token. The setting `monitoring.webhooks` keeps
 * the rest (id, format, name, quiet hours); the address of webhook `id` is the secret
 * MONITORING_WEBHOOK_<ID>. `settings.set` moves a given `url` there (hook below), `settings.get`
 * never returns one, and addresses stored as plain settings by an older Baton are moved on start.
 */
import { ApiError, webhookSecretName, type AlertWebhook, type AlertWebhookInfo } from '../../../shared/api';
import { ENV_PREFIX } from '../secrets';
import type { Core } from '../core';

type Entry = AlertWebhook;

function storedList(core: Core): Partial<Entry>[] {
  const v = core.setting<unknown>('monitoring.webhooks', null);
  return Array.isArray(v) ? (v.filter((h) => h && typeof h === 'object') as Partial<Entry>[]) : [];
}

/** A new id: the format ("slack"), then "slack2", "slack3" … when taken. */
function freshId(format: string, taken: Set<string>): string {
  let id = format;
  for (let n = 2; taken.has(id); n++) id = `${format}${n}`;
  taken.add(id);
  return id;
}

const withoutUrl = ({ url: _url, ...rest }: Partial<Entry>): Partial<Entry> => rest;

/**
 * The `settings.set` hook of monitoring.webhooks: a given `url` goes to the secret store and the
 * stored entry keeps only its id; an entry without `url` keeps the address stored for its id (refused
 * when there is none). The secrets of removed webhooks are deleted once the setting is stored.
 */
export async function writeWebhooks(core: Core, value: Entry[] | null): Promise<{ value: unknown; stored: () => Promise<void> }> {
  const before = storedList(core);
  const list = value ?? [];
  const writable = core.secrets.backend().writable;
  const taken = new Set(list.flatMap((h) => (h.id ? [h.id] : [])));
  const toStore: [string, string][] = [];
  const out: Partial<Entry>[] = [];
  for (const [i, h] of list.entries()) {
    const id = h.id ?? freshId(h.format, taken);
    const secret = webhookSecretName(id);
    const entry: Partial<Entry> = { ...withoutUrl(h), id };
    if (h.url !== undefined) {
      if (!writable) {
        const message = `the address holds a token and is kept in the secret store, which is read-only here (${core.secrets.backend().detail}). Set ${ENV_PREFIX}${secret} to the address where Baton starts, and give this webhook as {"id":"${id}","format":"${h.format}"} without url.`;
        throw new ApiError('invalid_input', `monitoring.webhooks (Alert webhooks): ${i}.url: ${message}`, [{ path: 'monitoring.webhooks', message: `${i}.url: ${message}` }]);
      }
      toStore.push([secret, h.url]);
    } else {
      // An address an older Baton kept in settings (a read-only secret store): it stays with its entry.
      const legacy = before.find((b) => b.id === id && typeof b.url === 'string');
      if (legacy && !writable) entry.url = legacy.url;
      else if (legacy) toStore.push([secret, legacy.url!]);
      else if ((await core.secrets.get(secret)) === null) {
        const message = `no address is stored for the webhook "${id}" (secret ${secret}): give its url`;
        throw new ApiError('invalid_input', `monitoring.webhooks (Alert webhooks): ${i}.url: ${message}`, [{ path: 'monitoring.webhooks', message: `${i}.url: ${message}` }]);
      }
    }
    out.push(entry);
  }
  // The addresses first: a failing secret store leaves the setting as it was.
  for (const [name, url] of toStore) await core.secrets.set(name, url);
  const kept = new Set(out.map((h) => h.id));
  return {
    value: value === null ? null : out,
    stored: async () => {
      if (!writable) return;
      for (const b of before) {
        if (!b.id || kept.has(b.id)) continue;
        try {
          await core.secrets.delete(webhookSecretName(b.id));
        } catch (e) {
          core.log.warn('monitoring: could not delete the address of a removed webhook', { id: b.id, error: (e as Error).message });
        }
      }
      core.bus.emit('secrets.changed', { names: await core.secrets.list() });
    },
  };
}

/** What `settings.get` shows of monitoring.webhooks: never an address. */
export function readWebhooks(value: unknown): unknown {
  return Array.isArray(value) ? value.map((h) => (h && typeof h === 'object' ? withoutUrl(h as Partial<Entry>) : h)) : value;
}

/** The webhooks with the host of their address (never the address). */
export async function listWebhooks(core: Core): Promise<{ webhooks: AlertWebhookInfo[]; writable: boolean }> {
  const out: AlertWebhookInfo[] = [];
  for (const [i, h] of storedList(core).entries()) {
    const id = h.id ?? String(i);
    const secret = webhookSecretName(id);
    const url = typeof h.url === 'string' ? h.url : await core.secrets.get(secret).catch(() => null);
    let host: string | null = null;
    try {
      host = url ? new URL(url).host : null;
    } catch {
      host = null;
    }
    out.push({ id, format: h.format ?? 'json', name: h.name ?? null, quietHours: h.quietHours ?? null, host, secret });
  }
  return { webhooks: out, writable: core.secrets.backend().writable };
}

/**
 * On start: addresses an older Baton stored in the setting move to the secret store and the
 * setting keeps the rest; an entry without an id gets one, and the queued deliveries of its route
 * ("webhook:<position>") follow it. With a read-only secret store the addresses stay (and
 * `settings.get` still hides them) and a warning says how to move them.
 */
export async function migrateWebhooks(core: Core): Promise<number> {
  const list = storedList(core);
  if (!list.some((h) => typeof h.url === 'string' || !h.id)) return 0;
  const writable = core.secrets.backend().writable;
  const taken = new Set(list.flatMap((h) => (h.id ? [h.id] : [])));
  const renamed: [string, string][] = [];
  let moved = 0;
  const out: Partial<Entry>[] = [];
  for (const [i, h] of list.entries()) {
    const id = h.id ?? freshId(h.format ?? 'json', taken);
    if (!h.id) renamed.push([`webhook:${i}`, `webhook:${id}`]);
    if (typeof h.url === 'string' && writable) {
      await core.secrets.set(webhookSecretName(id), h.url);
      moved++;
      out.push({ ...withoutUrl(h), id });
    } else out.push({ ...h, id });
  }
  core.db.transaction(() => {
    core.setSetting('monitoring.webhooks', out);
    const route = core.db.prepare(`UPDATE monitor_deliveries SET route = ? WHERE route = ?`);
    for (const [from, to] of renamed) route.run(to, from);
  })();
  if (moved) core.log.info('monitoring: the webhook addresses moved from settings to the secret store', { moved });
  const left = out.filter((h) => typeof h.url === 'string');
  if (left.length) {
    core.log.warn(
      `monitoring: ${left.length} webhook address(es) stay in settings because the secret store is read-only; set ${left.map((h) => ENV_PREFIX + webhookSecretName(h.id!)).join(', ')} and save the webhooks again to move them`,
    );
  }
  return moved;
}
