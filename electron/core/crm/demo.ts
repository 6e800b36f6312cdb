/**
 * Demo data: a plausible small business generated from a seeded PRNG, so the
 * same seed and end date give the same data. Companies, contacts (names, e-mails,
 * time zones, sources, UTM), 12 months of activity, lifecycle changes, deals.
 * Written with prepared statements in large transactions (100k contacts + 1M
 * events in seconds), then scored and rolled up.
 */
import { ApiError, type Stage } from '../../../shared/api';
import type { Core } from '../core';
import { refreshRollup } from './kpi';
import { rescore } from './scoring';
import { fillNewSegments } from './segments';
import { storeOf, syncSearchIndex } from './store';
import { withBigCache } from './util';

export interface SeedOptions {
  contacts: number;
  seed?: number;
  /** Average events per contact (default 10). */
  eventsPerContact?: number;
  months?: number;
  /** End of the generated history (default: now). */
  now?: Date;
}
export interface SeedResult {
  companies: number;
  contacts: number;
  events: number;
  deals: number;
  durationMs: number;
  phasesMs: { insert: number; score: number; rollup: number };
}

/** mulberry32: small, fast, good enough for demo data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Tim', 'Frances', 'John', 'Hedy', 'Donald', 'Katherine', 'Edsger', 'Sophie', 'Lukas', 'Mia', 'Noah', 'Emma', 'Liam', 'Olivia', 'Mateo', 'Yuki', 'Hiro', 'Priya', 'Arjun', 'Fatima', 'Omar', 'Chloe', 'Lucas', 'Ines', 'Hugo', 'Elena', 'Marco', 'Sara', 'David', 'Anna', 'Jonas'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Perlman', 'Berners', 'Allen', 'McCarthy', 'Lamarr', 'Knuth', 'Johnson', 'Dijkstra', 'Martin', 'Schmidt', 'Garcia', 'Rossi', 'Tanaka', 'Sato', 'Patel', 'Sharma', 'Haddad', 'Nguyen', 'Dubois', 'Silva', 'Kowalski', 'Novak', 'Jensen', 'Larsen', 'Fischer', 'Weber', 'Moreau', 'Costa', 'Murphy', 'Kelly', 'Walsh', 'Byrne'];
const CO_A = ['North', 'Blue', 'Bright', 'Green', 'Silver', 'Red', 'Swift', 'Clear', 'Open', 'True', 'Peak', 'Iron', 'Quiet', 'Bold', 'Prime', 'Nova', 'Solid', 'Urban', 'Wild', 'Lucky'];
const CO_B = ['wind', 'stone', 'field', 'bridge', 'works', 'labs', 'leaf', 'path', 'forge', 'wave', 'point', 'craft', 'logic', 'harbor', 'river', 'spark', 'grid', 'nest', 'line', 'loop'];
const CO_SUFFIX = ['', ' Ltd', ' GmbH', ' Inc', ' Studio', ' Co', ' Partners', ' Group'];
const TLD = ['com', 'io', 'co', 'de', 'co.uk', 'fr', 'net', 'agency'];
const FREE = ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me', 'gmx.de'];
const TZ = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Europe/Madrid', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'America/Sao_Paulo', 'Africa/Lagos'];
const TITLES = ['Founder', 'CEO', 'Marketing Manager', 'Head of Growth', 'Developer', 'Designer', 'Consultant', 'Operations Lead', 'Sales Director', 'Freelancer', null, null];
const SOURCES: [string, string | null, string | null][] = [
  ['website', null, null],
  ['website', null, null],
  ['newsletter', 'newsletter', 'email'],
  ['google-ads', 'google', 'cpc'],
  ['linkedin', 'linkedin', 'social'],
  ['referral', null, null],
  ['webinar', 'webinar', 'event'],
  ['podcast', 'podcast', 'audio'],
];
const PAGES = ['/', '/pricing', '/blog/automation-tips', '/blog/solo-business', '/features', '/case-studies', '/pricing', '/contact'];
const CAMPAIGNS = ['spring-launch', 'summer-webinar', 'black-friday', 'new-year', 'evergreen'];

export function seedDemo(core: Core, opts: SeedOptions): SeedResult {
  return withBigCache(core.db, () => seed(core, opts));
}

function seed(core: Core, opts: SeedOptions): SeedResult {
  const t0 = performance.now();
  const N = opts.contacts;
  if (!Number.isInteger(N) || N < 1 || N > 1_000_000) throw new ApiError('invalid_input', 'contacts: give a whole number from 1 to 1,000,000.', [{ path: 'contacts', message: 'out of range' }]);
  const existing = (core.db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get() as { n: number }).n;
  if (existing > 0) throw new ApiError('conflict', `demo seed needs an empty CRM; this data folder has ${existing} contacts. Use a fresh folder (baton --data <new folder> demo seed).`);
  const rnd = prng(opts.seed ?? 42);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const perContact = opts.eventsPerContact ?? 10;
  const end = (opts.now ?? new Date()).getTime();
  const span = (opts.months ?? 12) * 30.4 * 86_400_000;
  const start = end - span;
  const iso = (t: number) => new Date(Math.min(t, end)).toISOString();
  const store = storeOf(core);

  const insCompany = store.stmt(`INSERT INTO companies (name, domain, created_at, updated_at) VALUES (?, ?, ?, ?)`);
  const insContact = store.stmt(
    `INSERT INTO contacts (email, first_name, last_name, title, company_id, stage, source, utm_source, utm_medium, utm_campaign, time_zone, consent, consent_at, custom, last_activity_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insTag = store.stmt(`INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)`);
  const insEvent = store.stmt(`INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, ?, 'contact', ?, ?)`);
  const insDeal = store.stmt(`INSERT INTO deals (contact_id, company_id, title, stage, value, currency, opened_at, won_at, lost_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);

  let events = 0;
  let deals = 0;
  const nCompanies = Math.max(1, Math.round(N / 8));
  const companies: { id: number; name: string; domain: string }[] = [];
  /** The demo is a bulk load: its events carry an importId, so event triggers skip them unless they opt in (includeImported). */
  const importId = `demo-${opts.seed ?? 42}`;
  const emails = new Set<string>();

  core.db.transaction(() => {
    const domains = new Set<string>();
    for (let i = 0; i < nCompanies; i++) {
      const base = pick(CO_A) + pick(CO_B);
      let domain = `${base.toLowerCase()}.${pick(TLD)}`;
      for (let k = 2; domains.has(domain); k++) domain = `${base.toLowerCase()}${k}.${pick(TLD)}`;
      domains.add(domain);
      const at = iso(start + rnd() * span * 0.5);
      const name = base + pick(CO_SUFFIX);
      companies.push({ id: Number(insCompany.run(name, domain, at, at).lastInsertRowid), name, domain });
    }
  })();

  const ev = (at: number, type: string, cid: number, data: Record<string, unknown> | null) => {
    insEvent.run(iso(at), type, String(cid), data === null ? null : JSON.stringify({ ...data, importId }));
    events++;
  };

  const BATCH = 5000;
  for (let from = 0; from < N; from += BATCH) {
    core.db.transaction(() => {
      for (let i = from; i < Math.min(N, from + BATCH); i++) {
        // Growth: more contacts later in the year.
        const created = start + Math.sqrt(rnd()) * span;
        const first = pick(FIRST);
        const last = pick(LAST);
        const work = rnd() < 0.6;
        const company = work ? pick(companies) : null;
        const local = `${first}.${last}`.toLowerCase();
        let email = `${local}@${company ? company.domain : pick(FREE)}`;
        for (let k = 2; emails.has(email); k++) email = `${local}${k}@${company ? company.domain : pick(FREE)}`;
        emails.add(email);
        const [source, utmSource, utmMedium] = pick(SOURCES);
        const consent = rnd() < 0.7 ? 'granted' : rnd() < 0.5 ? 'denied' : 'unknown';
        // Lifecycle path.
        const r = rnd();
        const startStage: Stage = r < 0.25 ? 'subscriber' : 'lead';
        const path: [Stage, number][] = [];
        let t = created;
        const step = (s: Stage, days: number) => {
          t += (1 + rnd() * days) * 86_400_000;
          if (t < end) path.push([s, t]);
        };
        if (startStage === 'subscriber' && rnd() < 0.4) step('lead', 30);
        const isLead = startStage === 'lead' || path.length > 0;
        if (isLead && rnd() < 0.3) {
          step('mql', 20);
          if (rnd() < 0.4) {
            step('sql', 15);
            if (rnd() < 0.5) step('opportunity', 10);
          }
        }
        const finalStage = path.length ? path[path.length - 1]![0] : startStage;
        // (Drawn in the order the insert used to draw them: the same seed gives the same data.)
        const title = pick(TITLES);
        const utmCampaign = utmSource ? pick(CAMPAIGNS) : null;
        const timeZone = pick(TZ);
        const custom = rnd() < 0.3 ? { plan: pick(['free', 'starter', 'pro']) } : {};
        const cid = Number(
          insContact.run(
            email,
            first,
            last,
            title,
            company?.id ?? null,
            finalStage,
            source,
            utmSource,
            utmMedium,
            utmCampaign,
            timeZone,
            consent,
            consent === 'unknown' ? null : iso(created),
            JSON.stringify(custom),
            null,
            iso(created),
            iso(created),
          ).lastInsertRowid,
        );
        const tag = rnd() < 0.3 ? pick(['newsletter', 'webinar', 'vip', 'partner', 'beta', 'course']) : null;
        if (tag) insTag.run(cid, tag);
        // The contact as it was created (EventContact), as contact.created carries it.
        ev(created, 'contact.created', cid, {
          id: cid,
          email,
          firstName: first,
          lastName: last,
          name: `${first} ${last}`,
          phone: null,
          title,
          company: company ? { id: company.id, name: company.name, domain: company.domain } : null,
          stage: startStage,
          score: 0,
          tags: tag ? [tag] : [],
          source,
          utm: { source: utmSource, medium: utmMedium, campaign: utmCampaign, term: null, content: null },
          timeZone,
          consent,
          custom,
          via: 'demo',
        });
        let prev: Stage = startStage;
        for (const [s, at] of path) {
          ev(at, 'lifecycle.changed', cid, { from: prev, to: s, reason: 'demo' });
          prev = s;
        }
        // Activity: e-mails with opens/clicks, page visits, forms; more for contacts further down the funnel.
        const weight = finalStage === 'sql' || finalStage === 'opportunity' ? 1.6 : finalStage === 'mql' ? 1.3 : 0.85;
        const n = Math.max(1, Math.round(perContact * weight * (0.5 + rnd()) - path.length - 1));
        let lastActivity: number | null = null;
        for (let k = 0; k < n; k++) {
          const at = created + rnd() * (end - created);
          const x = rnd();
          if (x < 0.4) {
            const campaign = pick(CAMPAIGNS);
            ev(at, 'email.sent', cid, { messageId: `<demo-${cid}-${k}@demo.invalid>`, subject: campaign, sequenceId: null, runId: null, campaign });
          }
          else if (x < 0.65) {
            ev(at, 'email.opened', cid, { campaign: pick(CAMPAIGNS) });
            lastActivity = Math.max(lastActivity ?? 0, at);
          } else if (x < 0.75) {
            ev(at, 'email.clicked', cid, { campaign: pick(CAMPAIGNS), url: 'https://example.com' + pick(PAGES) });
            lastActivity = Math.max(lastActivity ?? 0, at);
          } else if (x < 0.93) {
            ev(at, 'page.visited', cid, { url: 'https://example.com' + pick(PAGES) });
            lastActivity = Math.max(lastActivity ?? 0, at);
          } else if (x < 0.97) {
            ev(at, 'form.submitted', cid, { form: pick(['newsletter', 'contact', 'webinar']), email, fields: { email } });
            lastActivity = Math.max(lastActivity ?? 0, at);
          } else if (x < 0.98) ev(at, 'email.bounced', cid, null);
          else if (x < 0.99) ev(at, 'email.unsubscribed', cid, null);
          else {
            ev(at, 'email.replied', cid, null);
            lastActivity = Math.max(lastActivity ?? 0, at);
          }
        }
        if (finalStage === 'sql' || finalStage === 'opportunity') {
          ev(t, 'meeting.booked', cid, null);
          lastActivity = Math.max(lastActivity ?? 0, t);
        }
        // Deals for opportunities (and some SQLs): some won, some lost, the rest open.
        if (finalStage === 'opportunity' || (finalStage === 'sql' && rnd() < 0.3)) {
          const opened = t;
          const value = Math.round((500 + rnd() * rnd() * 20_000) / 50) * 50;
          const outcome = rnd();
          const closeAt = opened + (5 + rnd() * 60) * 86_400_000;
          const closed = closeAt < end;
          const won = closed && outcome < 0.45 ? iso(closeAt) : null;
          const lost = closed && !won && outcome < 0.8 ? iso(closeAt) : null;
          const stage = won ? 'won' : lost ? 'lost' : pick(['qualification', 'proposal', 'negotiation']);
          const dealId = Number(insDeal.run(cid, company?.id ?? null, `${first} ${last} — ${pick(['Coaching', 'Audit', 'Retainer', 'Course bundle', 'Setup'])}`, stage, value, 'USD', iso(opened), won, lost, iso(opened), iso(opened)).lastInsertRowid);
          deals++;
          ev(opened, 'deal.opened', cid, { dealId, value, currency: 'USD' });
          if (won) {
            ev(closeAt, 'deal.won', cid, { dealId, value, currency: 'USD' });
            ev(closeAt, 'lifecycle.changed', cid, { from: finalStage, to: 'customer', reason: 'deal.won' });
            store.stmt(`UPDATE contacts SET stage = 'customer' WHERE id = ?`).run(cid);
          } else if (lost) ev(closeAt, 'deal.lost', cid, { dealId, value, currency: 'USD' });
        }
        if (lastActivity !== null) store.stmt(`UPDATE contacts SET last_activity_at = ? WHERE id = ?`).run(iso(lastActivity), cid);
      }
      store.countContacts(Math.min(N, from + BATCH) - from);
      syncSearchIndex(core.db);
    })();
  }
  const t1 = performance.now();
  // Contacts written outside the write path: every segment is filled again, silently, with the scores.
  core.db.prepare(`UPDATE segments SET members_at = NULL`).run();
  rescore(core, { promote: false });
  fillNewSegments(core);
  const t2 = performance.now();
  refreshRollup(core);
  const t3 = performance.now();
  const result = {
    companies: nCompanies,
    contacts: N,
    events,
    deals,
    durationMs: Math.round(t3 - t0),
    phasesMs: { insert: Math.round(t1 - t0), score: Math.round(t2 - t1), rollup: Math.round(t3 - t2) },
  };
  core.log.info('demo data seeded', result);
  return result;
}
