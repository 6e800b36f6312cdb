/** `baton affiliate programs|program|links|link|import|stats` (docs/affiliate.md). */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CliExit, EXIT, print, withApi } from '../context';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const ref = (p: string): number | string => (/^\d+$/.test(p) ? Number(p) : p);
const num = (v: number | null, d = 2) => (v === null ? '–' : v.toFixed(d));

export function register(program: Command): void {
  const a = program.command('affiliate').description('Affiliate programs, tracked /go/<slug> links, commissions from network CSV exports, EPC and ROI.');
  a.command('programs')
    .description('Affiliate programs with their number of links.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('affiliate.programs.list', {}));
      print(cmd, r, () => (r.programs.length ? r.programs.map((p) => `${p.id}  ${p.name}${p.network ? ` (${p.network})` : ''}  ${p.links} link(s)${p.subIdParam ? `  sub-id: ${p.subIdParam}` : ''}`).join('\n') : 'No programs yet: baton affiliate program <name>.'));
    });
  a.command('program <name>')
    .description('Add a program, or change the one of that name.')
    .option('--network <name>', 'the network (Awin, Impact, Amazon …)')
    .option('--commission <text>', 'informational, e.g. "8% of the sale"')
    .option('--cookie-days <n>', 'cookie duration in days', (v) => Number(v))
    .option('--subid-param <name>', 'the query parameter the network reads the sub-id from (subid, clickref, ascsubtag …)')
    .option('--payout-text <text>', 'what the bank statement says for its payouts (left out of the P&L)')
    .action(async (name: string, o: { network?: string; commission?: string; cookieDays?: number; subidParam?: string; payoutText?: string }, cmd: Command) => {
      const r = await withApi(cmd, async (core) => {
        const had = (await core.call('affiliate.programs.list', {})).programs.find((p) => p.name.toLowerCase() === name.trim().toLowerCase());
        return core.call('affiliate.programs.save', {
          ...(had ? { id: had.id } : {}),
          name,
          ...(o.network !== undefined ? { network: o.network } : {}),
          ...(o.commission !== undefined ? { commission: o.commission } : {}),
          ...(o.cookieDays !== undefined ? { cookieDays: o.cookieDays } : {}),
          ...(o.subidParam !== undefined ? { subIdParam: o.subidParam } : {}),
          ...(o.payoutText !== undefined ? { payoutMatch: o.payoutText } : {}),
        });
      });
      print(cmd, r, () => `Program ${r.program.id} "${r.program.name}" saved.${r.payoutRule ? ' Its bank payouts are left out of the P&L (finance rule added).' : ''}`);
    });
  a.command('links')
    .description('Tracked links with their address and all-time clicks.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('affiliate.links.list', { limit: 1000 }));
      print(cmd, r, () => (r.links.length ? r.links.map((l) => `${l.trackedUrl}  -> ${l.target}  ${l.clicks} click(s)${l.content ? `  in ${l.content}` : ''}`).join('\n') : 'No tracked links yet: baton affiliate link <program> <destination>.'));
    });
  a.command('link <program> <destination>')
    .description('Create a tracked link /go/<slug> to the destination (program by id or name).')
    .option('--slug <slug>', 'the short name (default: made from the program and the destination)')
    .option('--content <post>', 'the post URL or name of the content piece it appears in')
    .action(async (prog: string, destination: string, o: { slug?: string; content?: string }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('affiliate.links.create', { program: ref(prog), destination, ...(o.slug ? { slug: o.slug } : {}), ...(o.content ? { content: o.content } : {}) }));
      print(cmd, r, () => `${r.created ? 'Created' : 'Already there'}: ${r.link.trackedUrl} -> ${r.link.target}`);
    });
  a.command('import <source> <file>')
    .description('Import a network\'s commission CSV for a source (the mapping is guessed from the header, or given once and remembered).')
    .option('--map <json>', 'the column mapping, e.g. \'{"date":"Date","commission":"Payout","subId":"Sub ID"}\'')
    .option('--program <program>', 'the program of rows the file names none for (id or name)')
    .option('--currency <code>', 'the currency of amounts when the file has no currency column')
    .option('--dry-run', 'check the file, import nothing')
    .action(async (source: string, file: string, o: { map?: string; program?: string; currency?: string; dryRun?: boolean }, cmd: Command) => {
      let csv: string;
      try {
        csv = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliExit(`<file>: cannot read ${file}: ${(e as Error).message}`, EXIT.invalidInput);
      }
      let mapping: unknown;
      if (o.map) {
        try {
          mapping = JSON.parse(o.map);
        } catch {
          throw new CliExit('--map: not JSON (e.g. \'{"date":"Date","commission":"Payout"}\')', EXIT.invalidInput);
        }
      }
      const r = await withApi(cmd, (core) =>
        core.call('affiliate.import', {
          source,
          csv,
          file: basename(file),
          ...(mapping ? { mapping: mapping as never } : {}),
          ...(o.program ? { program: ref(o.program) } : {}),
          ...(o.currency ? { currency: o.currency } : {}),
          dryRun: !!o.dryRun,
        }),
      );
      print(cmd, r, () =>
        [
          `${r.dryRun ? 'Check only: would import' : 'Imported'} ${r.imported} of ${r.rows} rows (${r.updated} updated, ${r.duplicates} already imported, ${r.invalidCount} with errors). Matched: ${r.matchedLinks} to a link, ${r.matchedPrograms} to a program only, ${r.unmatched} to nothing.`,
          ...r.invalid.map((i) => `  line ${i.line}: ${i.reason}`),
        ].join('\n'),
      );
    });
  a.command('stats')
    .description('Clicks, revenue, EPC and ROI per link, program or content piece (default: the last 30 days).')
    .option('--from <day>', 'first day (YYYY-MM-DD, UTC)')
    .option('--to <day>', 'last day (YYYY-MM-DD, UTC)')
    .option('--by <what>', 'links, programs or content', 'links')
    .action(async (o: { from?: string; to?: string; by: string }, cmd: Command) => {
      const from = o.from ?? daysAgo(29);
      const to = o.to ?? today();
      for (const [k, v] of [['--from', from], ['--to', to]] as const) if (!DAY.test(v)) throw new CliExit(`${k} must be a day such as 2025-03-01 (got "${v}").`, EXIT.invalidInput);
      if (!['links', 'programs', 'content'].includes(o.by)) throw new CliExit(`--by must be links, programs or content (got "${o.by}").`, EXIT.invalidInput);
      const s = await withApi(cmd, (core) => core.call('affiliate.stats', { from, to }));
      const rows = o.by === 'programs' ? s.programs : o.by === 'content' ? s.content : s.links;
      print(cmd, s, () =>
        [
          `${s.range.from} – ${s.range.to} (${s.currency}): revenue ${num(s.totals.revenue)}, ${s.totals.clicks} clicks, EPC ${num(s.totals.epc)}, cost ${num(s.totals.cost)}, ROI ${s.totals.roi === null ? '–' : `${s.totals.roi}%`}`,
          ...rows.map((l) => `  ${l.label}: revenue ${num(l.revenue)} (${l.commissions} sale(s)), ${l.clicks} clicks, EPC ${num(l.epc)}, cost ${num(l.cost)}, ROI ${l.roi === null ? '–' : `${l.roi}%`}`),
        ].join('\n'),
      );
    });
}
