/**
 * Programs and tracked links (docs/affiliate.md, "Links"): a link is
 * `<affiliate.linkBase or the public address>/go/<slug>`; following it
 * redirects to the destination with the sub-id (the slug) appended under the
 * program's sub-id parameter, so the network's export names the link again.
 */
import { ApiError, type AffiliateLink, type AffiliateProgram, type OpInput } from '../../../shared/api';
import { likeEscape } from '../crm/util';
import type { ThreadEnv } from '../env';
import { addRule } from '../finance/rules';
import { financeStoreOf } from '../finance/store';
import { publicBase, setting } from '../tracking/config';
import { affiliateStoreOf, type LinkRow, type ProgramRow } from './store';

/** The finance category the networks' bank payouts go to (kind: excluded), so commissions are not counted twice. */
export const PAYOUT_CATEGORY = 'Affiliate payouts';

/** Where /go/<slug> sends a visitor: the destination, with `<subIdParam>=<slug>` when the program names the parameter. */
export function targetOf(destination: string, subIdParam: string | null, slug: string): string {
  if (!subIdParam) return destination;
  try {
    const u = new URL(destination);
    if (!u.searchParams.has(subIdParam)) u.searchParams.set(subIdParam, slug);
    return u.href;
  } catch {
    return destination;
  }
}

/** The base of tracked links: the setting affiliate.linkBase, else the public address. */
export function linkBase(env: Pick<ThreadEnv, 'db'>): string {
  const b = setting<string | null>(env.db, 'affiliate.linkBase', null);
  return (typeof b === 'string' && /^https?:\/\//.test(b) ? b : publicBase(env.db)).replace(/\/+$/, '');
}

export const trackedUrl = (base: string, slug: string) => `${base}/go/${slug}`;

/** A slug from the program's name and the destination's last path segment: "acme-studio-mic". */
export function slugFor(program: string, destination: string): string {
  let last = '';
  try {
    const u = new URL(destination);
    last = u.pathname.split('/').filter(Boolean).pop() ?? u.hostname.replace(/^www\./, '').split('.')[0] ?? '';
  } catch {
    // the contract checked the address
  }
  const clean = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/\.[a-z0-9]{2,5}$/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const s = [clean(program).slice(0, 30), clean(last).slice(0, 40)].filter(Boolean).join('-');
  return (s || 'link').slice(0, 70).replace(/-+$/, '');
}

export function programOut(p: ProgramRow & { links?: number }): AffiliateProgram {
  return {
    id: p.id,
    name: p.name,
    network: p.network,
    commission: p.commission,
    cookieDays: p.cookie_days,
    subIdParam: p.sub_id_param,
    payoutMatch: p.payout_match,
    notes: p.notes,
    links: p.links ?? 0,
  };
}

export function linkOut(r: LinkRow, base: string, clicks = { clicks: 0, machine: 0 }): AffiliateLink {
  return {
    id: r.id,
    programId: r.program_id,
    program: r.program,
    slug: r.slug,
    destination: r.destination,
    target: targetOf(r.destination, r.sub_id_param, r.slug),
    trackedUrl: trackedUrl(base, r.slug),
    content: r.content,
    note: r.note,
    archived: r.archived_at !== null,
    clicks: clicks.clicks,
    machineClicks: clicks.machine,
    createdAt: r.created_at,
  };
}

/** A program by id or name, or an ApiError naming the field. */
export function requireProgram(env: Pick<ThreadEnv, 'get'>, ref: number | string, path = 'program'): ProgramRow {
  const st = affiliateStoreOf(env);
  const p = typeof ref === 'number' ? st.program(ref) : st.programByName(ref);
  if (!p) throw new ApiError('not_found', `${path}: there is no program ${typeof ref === 'number' ? ref : `"${ref}"`} (affiliate.programs.list gives them; create one with affiliate.programs.save)`, [{ path, message: 'no such program' }]);
  return p;
}

export function saveProgram(env: ThreadEnv, i: OpInput<'affiliate.programs.save'>): { program: AffiliateProgram; payoutRule: boolean } {
  const st = affiliateStoreOf(env);
  const key = i.name.trim().toLowerCase();
  const id = env.db.transaction(() => {
    const same = st.programByName(i.name);
    if (same && same.id !== i.id) throw new ApiError('conflict', `name: there is already a program "${same.name}" (id ${same.id}); change that one, or choose another name`, [{ path: 'name', message: 'taken' }]);
    const val = <T>(v: T | undefined, old: T | null | undefined): T | null => (v === undefined ? (old ?? null) : v);
    if (i.id !== undefined) {
      const had = st.program(i.id);
      if (!had) throw new ApiError('not_found', `id: there is no program ${i.id}`, [{ path: 'id', message: 'no such program' }]);
      st.stmt(
        `UPDATE affiliate_programs SET name = ?, name_key = ?, network = ?, commission = ?, cookie_days = ?, sub_id_param = ?, payout_match = ?, notes = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
      ).run(i.name.trim(), key, val(i.network, had.network), val(i.commission, had.commission), val(i.cookieDays, had.cookie_days), val(i.subIdParam, had.sub_id_param), val(i.payoutMatch, had.payout_match), val(i.notes, had.notes), i.id);
      return i.id;
    }
    return Number(
      st
        .stmt('INSERT INTO affiliate_programs (name, name_key, network, commission, cookie_days, sub_id_param, payout_match, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(i.name.trim(), key, i.network ?? null, i.commission ?? null, i.cookieDays ?? null, i.subIdParam ?? null, i.payoutMatch ?? null, i.notes ?? null).lastInsertRowid,
    );
  })();
  // The network's payouts reach the bank too: a rule leaves them out of the P&L, where the commissions are counted already.
  let payoutRule = false;
  if (i.payoutMatch) {
    const has = financeStoreOf(env)
      .rules()
      .some((r) => r.contains.toLowerCase() === i.payoutMatch!.toLowerCase() && r.kind === 'excluded');
    if (!has) {
      addRule(env, { contains: i.payoutMatch, category: PAYOUT_CATEGORY, kind: 'excluded' });
      payoutRule = true;
    }
  }
  const p = st.programs().find((x) => x.id === id)!;
  return { program: programOut(p), payoutRule };
}

/**
 * Make a link (or give the existing one: same slug, or same program and destination).
 * `runId`: the top-level run of the workflow step that makes it; that run's AI spend is
 * charged to the links it made (stats.ts). An existing link keeps the run it had.
 */
export function createLink(env: ThreadEnv, i: OpInput<'affiliate.links.create'>, runId: string | null = null): { link: AffiliateLink; created: boolean } {
  const st = affiliateStoreOf(env);
  const base = linkBase(env);
  return env.db.transaction(() => {
    const program = requireProgram(env, i.program);
    let slug = i.slug;
    if (!slug) {
      const stem = slugFor(program.name, i.destination);
      const same = st.linkBySlug(stem);
      if (same && same.destination === i.destination && same.program_id === program.id) return { link: linkOut(same, base, st.clickCounts([same.id]).get(same.id)), created: false };
      slug = stem;
      for (let n = 2; st.linkBySlug(slug); n++) slug = `${stem}-${n}`;
    } else {
      const had = st.linkBySlug(slug);
      if (had) {
        if (had.destination === i.destination && had.program_id === program.id) return { link: linkOut(had, base, st.clickCounts([had.id]).get(had.id)), created: false };
        throw new ApiError('conflict', `slug: /go/${slug} is taken by a link to ${had.destination} (${had.program}); choose another slug`, [{ path: 'slug', message: 'taken' }]);
      }
    }
    const id = Number(st.stmt('INSERT INTO affiliate_links (program_id, slug, destination, content, note, run_id) VALUES (?, ?, ?, ?, ?, ?)').run(program.id, slug, i.destination, i.content ?? null, i.note ?? null, runId).lastInsertRowid);
    return { link: linkOut(st.link(id)!, base), created: true };
  })();
}

export function updateLink(env: ThreadEnv, i: OpInput<'affiliate.links.update'>): { link: AffiliateLink } {
  const st = affiliateStoreOf(env);
  const had = st.link(i.id);
  if (!had) throw new ApiError('not_found', `id: there is no link ${i.id} (affiliate.links.list gives them)`, [{ path: 'id', message: 'no such link' }]);
  const archived = i.archived === undefined ? had.archived_at : i.archived ? (had.archived_at ?? new Date(env.now()).toISOString()) : null;
  st.stmt(`UPDATE affiliate_links SET destination = ?, content = ?, note = ?, archived_at = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`).run(
    i.destination ?? had.destination,
    i.content === undefined ? had.content : i.content,
    i.note === undefined ? had.note : i.note,
    archived,
    i.id,
  );
  return { link: linkOut(st.link(i.id)!, linkBase(env), st.clickCounts([i.id]).get(i.id)) };
}

export function listLinks(env: ThreadEnv, i: OpInput<'affiliate.links.list'>): { total: number; links: AffiliateLink[] } {
  const st = affiliateStoreOf(env);
  const conds: string[] = [i.archived ? 'l.archived_at IS NOT NULL' : 'l.archived_at IS NULL'];
  const args: unknown[] = [];
  if (i.programId) {
    conds.push('l.program_id = ?');
    args.push(i.programId);
  }
  if (i.content) {
    conds.push('l.content = ?');
    args.push(i.content);
  }
  if (i.search?.trim()) {
    conds.push(`(l.slug LIKE ? ESCAPE '\\' OR l.destination LIKE ? ESCAPE '\\' OR l.content LIKE ? ESCAPE '\\')`);
    const q = `%${likeEscape(i.search.trim())}%`;
    args.push(q, q, q);
  }
  const where = `WHERE ${conds.join(' AND ')}`;
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM affiliate_links l ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(
      `SELECT l.id, l.program_id, p.name AS program, p.sub_id_param, l.slug, l.destination, l.content, l.note, l.archived_at, l.created_at
       FROM affiliate_links l JOIN affiliate_programs p ON p.id = l.program_id ${where} ORDER BY l.id DESC LIMIT ? OFFSET ?`,
    )
    .all(...args, i.limit ?? 100, i.offset ?? 0) as LinkRow[];
  const counts = st.clickCounts(rows.map((r) => r.id));
  const base = linkBase(env);
  return { total, links: rows.map((r) => linkOut(r, base, counts.get(r.id))) };
}
