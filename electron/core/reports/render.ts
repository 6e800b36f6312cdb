/**
 * Render a client's report to PDF into the data folder (reports/YYYY-MM/…)
 * and record it (report_renders). Runs on any ThreadEnv: the reports.render
 * operation, and a workflow step later.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, DEFAULT_SECTIONS, ReportSection, type ReportRender } from '../../../shared/api';
import { clientEmail, requireClient } from '../crm/clients';
import type { ThreadEnv } from '../env';
import { sectionData, type Period } from './data';
import { renderPdf } from './pdf';
import { reportsStoreOf, type RenderRow } from './store';

/** Last calendar month (UTC) before `now`. */
export function lastMonth(now: number): Period {
  const d = new Date(now);
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  const last = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 0);
  return { from: new Date(first).toISOString().slice(0, 10), to: new Date(last).toISOString().slice(0, 10) };
}

const slug = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-')
    .slice(0, 40) || 'client';

export function renderOut(env: Pick<ThreadEnv, 'get'>, r: RenderRow, clientName: string | null, recipient: string | null): ReportRender {
  return {
    renderId: r.id,
    client: r.client,
    clientName,
    title: r.title,
    period: { from: r.period_from, to: r.period_to },
    path: r.path,
    filename: r.path.split('/').pop()!,
    pages: r.pages,
    bytes: r.bytes,
    missing: reportsStoreOf(env).missingOf(r),
    recipient,
    renderMs: r.render_ms,
    createdAt: r.created_at,
  };
}

/**
 * `under`: the folder of the data folder the file goes to (default "reports";
 * the report.render node puts it among the workspace's deliverables, where
 * email.send may attach it).
 */
export async function renderReport(
  env: ThreadEnv,
  i: { client: string; from?: string | undefined; to?: string | undefined; runId?: string | null; under?: string },
): Promise<ReportRender> {
  const st = reportsStoreOf(env);
  const clientName = requireClient(env, i.client);
  const def = st.definition(i.client);
  if (!def) throw new ApiError('not_found', `client: ${clientName} (${i.client}) has no report definition; create one with reports.definitions.set`, [{ path: 'client', message: 'no report definition' }]);
  const sections = st.sectionsOf(def).map((s) => ReportSection.parse(s));
  const period: Period = i.from && i.to ? { from: i.from, to: i.to } : lastMonth(env.now());
  const started = performance.now();
  const data = sectionData(env, i.client, sections.length ? sections : DEFAULT_SECTIONS.map((s) => ReportSection.parse(s)), period);
  const brand = env.setting<string | null>('brand.name', null) ?? env.setting<string | null>('email.fromName', null) ?? 'Baton';
  const { pdf, pages } = await renderPdf({
    brand,
    color: env.setting<string | null>('brand.color', '#1d4ed8') ?? '#1d4ed8',
    accent: env.setting<string | null>('brand.accentColor', '#f59e0b') ?? '#f59e0b',
    title: def.title,
    clientName,
    period,
    sections: data,
    at: new Date(env.now()),
  });
  const renderMs = Math.round((performance.now() - started) * 10) / 10;
  const id = `rr_${randomBytes(9).toString('base64url')}`;
  const rel = `${i.under ?? 'reports'}/${period.from.slice(0, 7)}/${slug(clientName)}-${period.from}-${period.to}-${id.slice(3, 9)}.pdf`;
  const abs = join(env.dataDir, ...rel.split('/'));
  mkdirSync(join(abs, '..'), { recursive: true, mode: 0o700 });
  // Written whole, then renamed: a crash never leaves half a PDF under the recorded name.
  writeFileSync(`${abs}.part`, pdf, { mode: 0o600 });
  renameSync(`${abs}.part`, abs);
  const missing = data.filter((d) => d.missing).map((d) => d.title);
  const row = {
    id,
    definition_id: def.id,
    client: i.client,
    title: def.title,
    period_from: period.from,
    period_to: period.to,
    path: rel,
    pages,
    bytes: pdf.length,
    sha256: createHash('sha256').update(pdf).digest('hex'),
    render_ms: renderMs,
    run_id: i.runId ?? null,
    created_at: new Date(env.now()).toISOString(),
  };
  st.insertRender({ ...row, missing });
  env.emit('reports.changed', { client: i.client, what: 'render' });
  return renderOut(env, { ...row, missing: JSON.stringify(missing) }, clientName, def.recipient ?? clientEmail(env, i.client));
}
