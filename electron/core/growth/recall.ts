/**
 * Which learnings a planning prompt includes (docs/growth.md, "Recall"): the
 * learnings of the engine that are not expired, ranked by
 *
 *   rank = relevance × confidence × recency
 *   relevance = 1 for the same subject, else the Jaccard overlap of the subject's
 *               words with the learning's subject and tags (0 = unrelated: left out
 *               when a subject is given); 1 for every learning without a subject
 *   recency   = 0.5 ^ (age in days / 90)   (a learning loses half its weight a quarter)
 *
 * Pure: tested without a database.
 */

export const RECALL_HALF_LIFE_DAYS = 90;

export interface RecallCandidate {
  id: number;
  subject: string;
  tags: string[];
  confidence: number;
  createdAt: string;
  expiresAt: string | null;
}

export const words = (s: string): string[] =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);

export function relevance(subject: string | undefined, l: Pick<RecallCandidate, 'subject' | 'tags'>): number {
  if (!subject || !subject.trim()) return 1;
  if (subject.trim().toLowerCase() === l.subject.trim().toLowerCase()) return 1;
  const a = new Set(words(subject));
  const b = new Set([...words(l.subject), ...l.tags.flatMap(words)]);
  if (!a.size || !b.size) return 0;
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  return both / (a.size + b.size - both);
}

export function recency(createdAt: string, now: number): number {
  const age = Math.max(0, now - Date.parse(createdAt)) / 86_400_000;
  return Math.pow(0.5, age / RECALL_HALF_LIFE_DAYS);
}

export function rankLearnings<T extends RecallCandidate>(list: readonly T[], subject: string | undefined, now: number, limit: number): (T & { score: number })[] {
  const out: (T & { score: number })[] = [];
  for (const l of list) {
    if (l.expiresAt && Date.parse(l.expiresAt) <= now) continue;
    const r = relevance(subject, l);
    if (r <= 0) continue;
    out.push({ ...l, score: Math.round(r * Math.max(0, Math.min(1, l.confidence)) * recency(l.createdAt, now) * 10_000) / 10_000 });
  }
  out.sort((a, b) => b.score - a.score || b.id - a.id);
  return out.slice(0, limit);
}
