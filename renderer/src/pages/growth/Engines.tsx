/**
 * The link-building and campaign tabs of the Growth page (docs/growth.md): what each engine
 * found and did. Links: the opportunities of the gap analysis by score (type, HEAD-checked
 * status of the competitor page, outreach, reply, won link) and the ROI of acquired links.
 * Campaigns: the success and failure patterns of the memories, the campaigns planned and
 * running with the memories each recommendation cites, and the portfolio allocation.
 */
import type { OpOutput } from '../../../../shared/api';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, QueryView } from '../../components/ui';
import { useQuery } from '../../data/query';

type Opp = OpOutput<'links.opportunities'>['rows'][number];
type Campaign = OpOutput<'campaigns.list'>['rows'][number];
type Allocation = OpOutput<'campaigns.portfolio'>['allocations'][number];
type Pattern = OpOutput<'campaigns.patterns'>['success'][number];

const usd = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `$${n.toLocaleString(undefined, { maximumFractionDigits: 2 })}`);
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${Math.round(n * 100)} %`);
const OPP_BADGE: Record<string, string> = { won: 'badge badge-ok', replied: 'badge badge-ok', outreach: 'badge badge-warn', queued: 'badge badge-neutral', new: 'badge badge-neutral', lost: 'badge badge-neutral' };

export function LinksPanel() {
  const opps = useQuery('links.opportunities', { limit: 50, offset: 0 });
  const roi = useQuery('links.roi', {});
  const columns: Column<Opp>[] = [
    { key: 'domain', header: 'Prospect', primary: true, cell: (o) => o.domain },
    { key: 'type', header: 'Opportunity', cell: (o) => o.type.replace('_', ' ') },
    { key: 'score', header: 'Score', className: 'num', cell: (o) => Math.round(o.score) },
    { key: 'check', header: 'Checked', cell: (o) => (o.checkStatus === null ? '–' : `HTTP ${o.checkStatus}`) },
    {
      key: 'status',
      header: 'Status',
      cell: (o) => (
        <>
          <span className={OPP_BADGE[o.status] ?? 'badge badge-neutral'}>{o.status}</span>
          {o.linkUrl ? <span className="muted growth-reason"> links to {o.linkUrl}</span> : null}
        </>
      ),
    },
    { key: 'contact', header: 'Contact', className: 'growth-wrap', cell: (o) => o.contactEmail ?? '–' },
  ];
  return (
    <div className="stack">
      <Card title="Link opportunities" id="growth-opportunities">
        <QueryView q={opps} what="Could not load the opportunities" loading="Loading the opportunities…" isEmpty={(d) => d.total === 0} empty={<p className="muted">No opportunities yet: import backlink exports of your site and of competitors (Engines tab), then run the link-building engine.</p>}>
          {(d) => (
            <>
              <p className="muted" data-testid="opportunities-total">
                {d.total.toLocaleString()} {d.total === 1 ? 'opportunity' : 'opportunities'}, the best 50 by score:
              </p>
              <DataTable label="Link opportunities" rows={d.rows} columns={columns} rowKey={(o) => o.id} rowProps={(o) => ({ 'data-testid': 'opportunity', 'data-type': o.type, 'data-status': o.status })} />
            </>
          )}
        </QueryView>
      </Card>
      <Card title="Acquired links" id="growth-link-roi">
        <QueryView q={roi} what="Could not load the acquired links" loading="Loading the acquired links…">
          {(d) => (
            <p data-testid="links-roi">
              {d.totals.links} {d.totals.links === 1 ? 'link' : 'links'} won, worth {usd(d.totals.value)} for {usd(d.totals.costUsd)} spent (ROI {d.totals.roi === null ? '–' : d.totals.roi.toFixed(1)}).
            </p>
          )}
        </QueryView>
      </Card>
    </div>
  );
}

function PatternList({ title, rows }: { title: string; rows: Pattern[] }) {
  return (
    <div>
      <h3 className="growth-subhead">{title}</h3>
      {rows.length ? (
        <ul className="growth-issues" data-testid={`patterns-${title.toLowerCase().split(' ')[0]}`}>
          {rows.map((p) => (
            <li key={`${p.feature}:${p.value}`}>
              {p.feature} <strong>{p.value}</strong>: {pct(p.topShare)} of the top against {pct(p.restShare)} of the rest
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None found.</p>
      )}
    </div>
  );
}

export function CampaignsPanel() {
  const patterns = useQuery('campaigns.patterns', {});
  const planned = useQuery('campaigns.list', { status: 'planned', limit: 50, offset: 0 });
  const running = useQuery('campaigns.list', { status: 'running', limit: 50, offset: 0 });
  const portfolio = useQuery('campaigns.portfolio', {});
  const campaignColumns: Column<Campaign>[] = [
    { key: 'name', header: 'Campaign', primary: true, cell: (c) => c.name },
    { key: 'status', header: 'Status', cell: (c) => <span className={c.status === 'running' ? 'badge badge-ok' : 'badge badge-neutral'}>{c.status}</span> },
    { key: 'channel', header: 'Channel · audience', className: 'growth-wrap', cell: (c) => `${c.channel} · ${c.audience}` },
    { key: 'budget', header: 'Budget', className: 'num', cell: (c) => usd(c.allocated ?? c.budget) },
    { key: 'expected', header: 'Expected ROI', className: 'num', cell: (c) => (c.expectedRoi === null ? '–' : c.expectedRoi.toFixed(2)) },
    { key: 'sources', header: 'Grounded in', className: 'growth-wrap', cell: (c) => (c.sources.length ? `${c.sources.length} memories: ${c.sources.slice(0, 5).join(', ')}${c.sources.length > 5 ? '…' : ''}` : '–') },
  ];
  const allocationColumns: Column<Allocation>[] = [
    { key: 'name', header: 'Campaign', primary: true, cell: (a) => a.name },
    { key: 'current', header: 'Current', className: 'num', cell: (a) => usd(a.current) },
    { key: 'allocated', header: 'Allocated', className: 'num', cell: (a) => usd(a.allocated) },
    { key: 'marginal', header: 'Marginal ROI', className: 'num', cell: (a) => a.marginalRoi.toFixed(2) },
  ];
  return (
    <div className="stack">
      <Card title="Success and failure patterns" id="growth-patterns">
        <QueryView q={patterns} what="Could not load the patterns" loading="Loading the patterns…" isEmpty={(d) => d.memories === 0} empty={<p className="muted">No campaign memories yet: import past campaigns (Engines tab, "Campaign memories").</p>}>
          {(d) => (
            <div data-testid="campaign-patterns">
              <p className="muted">
                {d.memories} finished campaigns; the top {d.top} by ROI (average {d.topAvgRoi === null ? '–' : d.topAvgRoi.toFixed(2)}) against the rest ({d.restAvgRoi === null ? '–' : d.restAvgRoi.toFixed(2)}).
              </p>
              <div className="growth-two">
                <PatternList title="Success patterns" rows={d.success} />
                <PatternList title="Failure patterns" rows={d.failure} />
              </div>
            </div>
          )}
        </QueryView>
      </Card>
      <Card title="Running campaigns" id="growth-running">
        <QueryView q={running} what="Could not load the running campaigns" loading="Loading the campaigns…" isEmpty={(d) => d.total === 0} empty={<p className="muted">No campaign running: approve a planned one to launch it.</p>}>
          {(d) => <DataTable label="Running campaigns" rows={d.rows} columns={campaignColumns} rowKey={(c) => c.id} rowProps={(c) => ({ 'data-testid': 'campaign', 'data-status': c.status })} />}
        </QueryView>
      </Card>
      <Card title="Planned campaigns" id="growth-planned">
        <QueryView q={planned} what="Could not load the planned campaigns" loading="Loading the campaigns…" isEmpty={(d) => d.total === 0} empty={<p className="muted">No campaign planned: the campaign engine recommends them from the memories.</p>}>
          {(d) => <DataTable label="Planned campaigns" rows={d.rows} columns={campaignColumns} rowKey={(c) => c.id} rowProps={(c) => ({ 'data-testid': 'campaign', 'data-status': c.status })} />}
        </QueryView>
      </Card>
      <Card title="Portfolio" id="growth-portfolio">
        <QueryView q={portfolio} what="Could not load the portfolio" loading="Loading the portfolio…" isEmpty={(d) => d.allocations.length === 0} empty={<p className="muted">No running campaign to allocate a budget to.</p>}>
          {(d) => (
            <>
              <p className="muted" data-testid="portfolio-total">
                {usd(d.allocated)} of {usd(d.totalBudget)} allocated.
              </p>
              <DataTable label="Portfolio allocation" rows={d.allocations} columns={allocationColumns} rowKey={(a) => a.id} rowProps={() => ({ 'data-testid': 'allocation' })} />
            </>
          )}
        </QueryView>
      </Card>
    </div>
  );
}
