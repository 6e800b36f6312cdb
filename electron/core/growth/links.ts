/**
 * The link-building engine's data (docs/growth.md, "Link-building engine"):
 * backlink exports (ours and competitors'), the gap analysis, opportunity
 * types and prospect scores, the outreach state and acquired links.
 */
import type { LinkSettings, Opportunity } from '../../../shared/contract/growth';
import type { Sqlite } from '../db/open';
import { accessor, hostOf, num } from './csv';
import type { Candidate } from './planner';
import type { ImportCounts } from './seo';

export type OppType = Opportunity['type'];

/**
 * Backlinks. The owner of each row is the export's owner (`owner`), else the
 * domain of its target: our domain (setting growth.links domain) is "us",
 * any other is a competitor. Caller owns the transaction.
 */
export function importBacklinks(db: Sqlite, headers: string[], rows: string[][], mapping: Record<string, string>, owner: string | null, ours: string | null, iso: string): ImportCounts {
  const get = accessor(headers, mapping);
  const c: ImportCounts = { imported: 0, updated: 0, skipped: 0, problems: [] };
  const up = db.prepare(
    `INSERT INTO growth_backlinks (owner, source_url, source_domain, target_url, domain_rating, anchor, contact_email, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(owner, source_url, target_url) DO UPDATE SET domain_rating = COALESCE(excluded.domain_rating, domain_rating), anchor = COALESCE(excluded.anchor, anchor), contact_email = COALESCE(excluded.contact_email, contact_email), imported_at = excluded.imported_at`,
  );
  const exists = db.prepare('SELECT 1 FROM growth_backlinks WHERE owner = ? AND source_url = ? AND target_url = ?');
  const us = ours ? ours.replace(/^www\./, '').toLowerCase() : null;
  rows.forEach((row, i) => {
    const source = get(row, 'source');
    const target = get(row, 'target');
    const sd = hostOf(source);
    const td = hostOf(target);
    if (!source || !target || !sd || !td) {
      c.skipped++;
      if (c.problems.length < 20) c.problems.push({ row: i + 2, message: 'source and target must be URLs' });
      return;
    }
    const o = owner ? (owner === 'us' || owner === us ? 'us' : owner.toLowerCase()) : td === us ? 'us' : td;
    const email = get(row, 'email');
    const had = exists.get(o, source, target);
    up.run(o, source, sd, target, num(get(row, 'rating')), get(row, 'anchor') || null, /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? email.toLowerCase() : null, iso);
    if (had) c.updated++;
    else c.imported++;
  });
  return c;
}

const GUEST = /write-for-us|write_for_us|guest|contribut|submit|become-an-author/i;
const RESOURCE = /resource|links|useful|tools|directory|list-of|best-|recommended/i;

/** The type of an opportunity from its page (and a broken target found by a check). */
export function typeOf(url: string, anchor: string | null, broken: boolean): OppType {
  if (broken) return 'broken_link';
  if (GUEST.test(url)) return 'guest_post';
  if (RESOURCE.test(url) || (anchor && RESOURCE.test(anchor))) return 'resource_page';
  return 'mention';
}

export const TYPE_WEIGHT: Record<OppType, number> = { broken_link: 1, resource_page: 0.8, guest_post: 0.7, mention: 0.4 };

/**
 * Prospect score, 0..100: 40 × rating/100 + 30 × min(competitors, 5)/5 +
 * 20 × type weight (broken link 1, resource page 0.8, guest post 0.7,
 * mention 0.4) + 10 when a contact e-mail is known.
 */
export function scoreOf(rating: number | null, competitors: number, type: OppType, hasEmail: boolean): number {
  return Math.round((40 * Math.min(100, Math.max(0, rating ?? 0)) / 100 + (30 * Math.min(competitors, 5)) / 5 + 20 * TYPE_WEIGHT[type] + (hasEmail ? 10 : 0)) * 10) / 10;
}

/**
 * Gap analysis: every domain linking to at least one competitor and not to us
 * becomes (or refreshes) an opportunity: its page = the linking page with the
 * highest rating, competitors = the competitors it links to, type and score as
 * above. Outreach state is never reset. Caller owns the transaction.
 */
export function gapAnalysis(db: Sqlite, iso: string): { domains: number; added: number } {
  const rows = db
    .prepare(
      `SELECT source_domain AS domain, COUNT(DISTINCT owner) AS competitors, MAX(domain_rating) AS rating, MAX(contact_email) AS email
         FROM growth_backlinks b WHERE owner <> 'us' AND NOT EXISTS (SELECT 1 FROM growth_backlinks u WHERE u.owner = 'us' AND u.source_domain = b.source_domain)
        GROUP BY source_domain`,
    )
    .all() as { domain: string; competitors: number; rating: number | null; email: string | null }[];
  const page = db.prepare(`SELECT source_url, target_url, anchor FROM growth_backlinks WHERE owner <> 'us' AND source_domain = ? ORDER BY COALESCE(domain_rating, 0) DESC, source_url LIMIT 1`);
  const cur = db.prepare('SELECT id, type, broken_target FROM growth_opportunities WHERE domain = ?');
  const ins = db.prepare(
    `INSERT INTO growth_opportunities (domain, url, type, score, domain_rating, competitors, contact_email, found_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const up = db.prepare(`UPDATE growth_opportunities SET url = ?, type = ?, score = ?, domain_rating = ?, competitors = ?, contact_email = COALESCE(contact_email, ?), updated_at = ? WHERE id = ?`);
  let added = 0;
  for (const r of rows) {
    const p = page.get(r.domain) as { source_url: string; target_url: string; anchor: string | null };
    const had = cur.get(r.domain) as { id: number; type: string; broken_target: string | null } | undefined;
    const type = typeOf(p.source_url, p.anchor, !!had?.broken_target);
    const score = scoreOf(r.rating, r.competitors, type, !!r.email);
    if (had) up.run(p.source_url, type, score, r.rating, r.competitors, r.email, iso, had.id);
    else {
      ins.run(r.domain, p.source_url, type, score, r.rating, r.competitors, r.email, iso, iso);
      added++;
    }
  }
  return { domains: rows.length, added };
}

/** Competitor targets to check for broken links: one per unchecked opportunity, best score first. */
export function targetsToCheck(db: Sqlite, limit: number): { id: number; target: string }[] {
  return db
    .prepare(
      `SELECT o.id, (SELECT b.target_url FROM growth_backlinks b WHERE b.owner <> 'us' AND b.source_domain = o.domain ORDER BY COALESCE(b.domain_rating, 0) DESC, b.source_url LIMIT 1) AS target
         FROM growth_opportunities o WHERE o.checked_at IS NULL AND o.status = 'new' ORDER BY o.score DESC, o.id LIMIT ?`,
    )
    .all(limit) as { id: number; target: string }[];
}

/** Record a check: 404/410 make the opportunity a broken-link one (rescored). */
export function recordCheck(db: Sqlite, id: number, target: string, status: number, iso: string): boolean {
  const broken = status === 404 || status === 410;
  const o = db.prepare('SELECT domain_rating, competitors, contact_email, url FROM growth_opportunities WHERE id = ?').get(id) as { domain_rating: number | null; competitors: number; contact_email: string | null; url: string } | undefined;
  if (!o) return false;
  const type = broken ? 'broken_link' : typeOf(o.url, null, false);
  db.prepare('UPDATE growth_opportunities SET check_status = ?, checked_at = ?, broken_target = ?, type = ?, score = ?, updated_at = ? WHERE id = ?').run(
    status,
    iso,
    broken ? target : null,
    type,
    scoreOf(o.domain_rating, o.competitors, type, !!o.contact_email),
    iso,
    id,
  );
  return broken;
}

/**
 * Replies: an email.replied event on a contacted prospect's contact that answers
 * one of the outreach e-mails, or arrived after the outreach. A reply's time is
 * its Date header: whole seconds, on the prospect's clock, so it can read a little
 * earlier than `outreach_at` although it answers the outreach.
 */
export function markReplies(db: Sqlite, iso: string): number {
  const reply = `e.type = 'email.replied' AND e.subject_type = 'contact' AND e.subject_id = CAST(growth_opportunities.contact_id AS TEXT)
    AND (e.at >= growth_opportunities.outreach_at OR json_extract(e.data, '$.messageId') IN (
      SELECT m.message_id FROM email_messages m WHERE m.enrollment_id = growth_opportunities.enrollment_id))`;
  return db
    .prepare(
      `UPDATE growth_opportunities SET status = 'replied', replied_at = (SELECT MAX(MIN(e.at), growth_opportunities.outreach_at) FROM events e WHERE ${reply}), updated_at = ?
       WHERE status = 'outreach' AND contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM events e WHERE ${reply})`,
    )
    .run(iso).changes;
}

/** Planning candidates: new opportunities with a contact e-mail, by score × (1 + what was learned of their type). */
export function linkCandidates(db: Sqlite, typeScores: Map<string, { score: number }>, limit: number): Candidate[] {
  const rows = db
    .prepare(`SELECT * FROM growth_opportunities WHERE status = 'new' AND contact_email IS NOT NULL ORDER BY score DESC, id LIMIT ?`)
    .all(limit * 3) as { id: number; domain: string; url: string; type: OppType; score: number; domain_rating: number | null; competitors: number; contact_email: string; broken_target: string | null }[];
  return rows
    .map((r) => {
      const learned = typeScores.get(r.type)?.score ?? 0;
      return {
        ref: `opp:${r.id}`,
        title: r.domain,
        action: r.type,
        score: Math.round(r.score * (1 + Math.max(-0.9, learned)) * 10) / 10,
        asset: `contact:${r.contact_email}`,
        expected: { metric: 'link', value: 1, rating: r.domain_rating },
        detail: { opportunityId: r.id, domain: r.domain, url: r.url, email: r.contact_email, rating: r.domain_rating, competitors: r.competitors, brokenTarget: r.broken_target },
        summary: `${r.type}, rating ${r.domain_rating ?? '?'}, links to ${r.competitors} competitor(s)`,
      };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

interface OppRow {
  id: number;
  domain: string;
  url: string;
  type: OppType;
  score: number;
  domain_rating: number | null;
  competitors: number;
  contact_email: string | null;
  broken_target: string | null;
  check_status: number | null;
  status: Opportunity['status'];
  contact_id: number | null;
  enrollment_id: number | null;
  outreach_at: string | null;
  replied_at: string | null;
  link_url: string | null;
  verified_at: string | null;
  found_at: string;
  cost_usd: number;
}

export function oppOut(r: OppRow): Opportunity {
  return {
    id: r.id,
    domain: r.domain,
    url: r.url,
    type: r.type,
    score: r.score,
    domainRating: r.domain_rating,
    competitors: r.competitors,
    contactEmail: r.contact_email,
    brokenTarget: r.broken_target,
    checkStatus: r.check_status,
    status: r.status,
    contactId: r.contact_id,
    enrollmentId: r.enrollment_id,
    outreachAt: r.outreach_at,
    repliedAt: r.replied_at,
    linkUrl: r.link_url,
    verifiedAt: r.verified_at,
    foundAt: r.found_at,
  };
}

export function listOpportunities(db: Sqlite, f: { status?: string | undefined; type?: string | undefined; statuses?: string[]; limit: number; offset: number }): { total: number; rows: Opportunity[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status) {
    where.push('status = ?');
    args.push(f.status);
  }
  if (f.type) {
    where.push('type = ?');
    args.push(f.type);
  }
  if (f.statuses) {
    where.push(`status IN (${f.statuses.map(() => '?').join(', ')})`);
    args.push(...f.statuses);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM growth_opportunities ${w}`).get(...args) as { n: number }).n;
  const order = f.statuses ? 'ORDER BY COALESCE(replied_at, outreach_at, updated_at) DESC, id' : 'ORDER BY score DESC, id';
  const rows = db.prepare(`SELECT * FROM growth_opportunities ${w} ${order} LIMIT ? OFFSET ?`).all(...args, f.limit, f.offset) as OppRow[];
  return { total, rows: rows.map(oppOut) };
}

/** Whether the page's HTML links to our domain; the first such link. */
export function linkTo(html: string, domain: string): string | null {
  const d = domain.replace(/^www\./, '').toLowerCase().replace(/\./g, '\\.');
  const m = new RegExp(`href\\s*=\\s*["']?(https?://(?:www\\.)?${d}[^"'\\s>]*)`, 'i').exec(html);
  return m ? m[1]! : null;
}

/** ROI per acquired link: value = rating × valuePerRating; cost = Claude + outreachCost; roi = (value − cost) / cost. */
export function linkRoi(db: Sqlite, s: LinkSettings) {
  const rows = db.prepare(`SELECT id, domain, link_url, domain_rating, cost_usd FROM growth_opportunities WHERE status = 'won' AND link_url IS NOT NULL ORDER BY verified_at DESC`).all() as {
    id: number;
    domain: string;
    link_url: string;
    domain_rating: number | null;
    cost_usd: number;
  }[];
  const links = rows.map((r) => {
    const value = Math.round((r.domain_rating ?? 0) * s.valuePerRating * 100) / 100;
    const cost = Math.round((r.cost_usd + s.outreachCost) * 100) / 100;
    return { id: r.id, domain: r.domain, linkUrl: r.link_url, value, costUsd: cost, roi: cost > 0 ? Math.round(((value - cost) / cost) * 100) / 100 : null };
  });
  const value = links.reduce((a, l) => a + l.value, 0);
  const cost = links.reduce((a, l) => a + l.costUsd, 0);
  return { links, totals: { links: links.length, value: Math.round(value * 100) / 100, costUsd: Math.round(cost * 100) / 100, roi: cost > 0 ? Math.round(((value - cost) / cost) * 100) / 100 : null } };
}
