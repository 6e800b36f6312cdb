/**
 * `baton contacts import|export|list|show`: the CRM's contacts from the command line.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { exportContacts, importCsv, previewCsv } from '../../core/crm/csv';
import { storeOf } from '../../core/crm/store';
import { CliExit, print, withApi, withCore } from '../context';

function parseJsonMap(value: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('give a JSON object of CSV column -> contact field, e.g. \'{"E-Mail Address":"email","Plan":"custom.plan"}\'.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw new InvalidArgumentError('give a JSON object whose values are contact field names, e.g. \'{"Mail":"email"}\'.');
  return v as Record<string, string>;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('use a whole number.');
  return Number(value);
}

const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));

export function register(program: Command): void {
  const contacts = program.command('contacts').description('Contacts: import and export CSV, list, show, rescore.');

  contacts
    .command('import')
    .description('Import contacts from a CSV file (header row; columns mapped by name unless --map is given). Re-importing a file creates nothing new.')
    .argument('<file>', 'CSV file (UTF-8)')
    .option('--map <json>', 'CSV column -> contact field, e.g. \'{"E-Mail":"email","Plan":"custom.plan"}\'', parseJsonMap)
    .option('--source <source>', 'lead source for new contacts whose row has none (recorded in the contacts.imported event)')
    .option('--dry-run', 'check the file and say which workflows the import would start, without importing')
    .action(async (file: string, o: { map?: Record<string, string>; source?: string; dryRun?: boolean }, cmd: Command) => {
      if (!existsSync(file) || !statSync(file).isFile()) throw new CliExit(`No file at ${file}.`, 2);
      const opts = { map: o.map, file: basename(file), source: o.source };
      const invalidLines = (r: { invalid: { line: number; reason: string }[]; invalidCount: number }) => {
        const lines = r.invalid.slice(0, 20).map((i) => `  line ${i.line}: ${i.reason}`);
        if (r.invalidCount > 20) lines.push(`  … and ${r.invalidCount - 20} more (--json lists up to 1,000).`);
        return lines;
      };
      if (o.dryRun) {
        const r = await withCore(cmd, (core) => previewCsv(core, createReadStream(file), opts));
        print(cmd, r, () =>
          [
            `Would import ${file}: ${r.create} new, ${r.update} existing (updated where something differs), ${r.invalidCount} invalid of ${r.rows} rows. Nothing was imported.`,
            `Columns: ${Object.entries(r.mapping).map(([c, f]) => `${c} -> ${f || '(ignored)'}`).join(', ')}`,
            `Workflows: ${r.workflows.summary}`,
            ...invalidLines(r),
          ].join('\n'),
        );
        return;
      }
      const r = await withCore(cmd, (core) => importCsv(core, createReadStream(file), opts));
      print(cmd, r, () =>
        [
          `Imported ${file}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.invalidCount} invalid of ${r.rows} rows (${r.companiesCreated} companies created) in ${r.durationMs} ms.`,
          `Columns: ${Object.entries(r.mapping).map(([c, f]) => `${c} -> ${f || '(ignored)'}`).join(', ')}`,
          `Workflows: ${r.workflows.summary}`,
          ...invalidLines(r),
        ].join('\n'),
      );
    });

  contacts
    .command('export')
    .description('Export every live contact as CSV (importable again) or a JSON array.')
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { format: 'csv' | 'json'; out?: string }, cmd: Command) => {
      await withCore(cmd, async (core) => {
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        const n = await exportContacts(core, out, o.format);
        if (o.out) {
          out.end();
          await once(out, 'finish');
          process.stderr.write(`Exported ${n} contacts to ${o.out}.\n`);
        }
      });
    });

  contacts
    .command('rescore')
    .description('Re-score every live contact now (a running Baton also does it at its maintenance).')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('scoring.rescore', {}));
      print(cmd, r, () => `Re-scored ${r.rescored} contacts: ${r.changed} changed, ${r.crossed} crossed a threshold (${r.durationMs} ms).`);
    });

  contacts
    .command('list')
    .description('List contacts (newest first unless --sort).')
    .option('--search <text>', 'match e-mail or name')
    .option('--segment <id>', 'only contacts in this segment', positiveInt)
    .option('--sort <field[:desc]>', 'id, email, firstName, lastName, score, stage, createdAt, updatedAt, lastActivityAt')
    .option('--limit <n>', 'how many (max 1000)', positiveInt, 50)
    .option('--offset <n>', 'skip this many', positiveInt, 0)
    .option('--deleted', 'list deleted (restorable) contacts')
    .action(async (o: { search?: string; segment?: number; sort?: string; limit: number; offset: number; deleted?: boolean }, cmd: Command) => {
      const [field, dir] = (o.sort ?? 'createdAt:desc').split(':');
      const r = await withApi(cmd, (core) =>
        core.call('contacts.list', {
          search: o.search,
          segmentId: o.segment,
          sort: { field: field as 'id', dir: dir === 'desc' ? 'desc' : 'asc' },
          limit: o.limit,
          offset: o.offset,
          deleted: o.deleted ?? false,
        }),
      );
      print(cmd, r, () =>
        [
          `${pad('ID', 7)} ${pad('E-MAIL', 34)} ${pad('NAME', 24)} ${pad('STAGE', 11)} ${'SCORE'.padStart(5)}  COMPANY`,
          ...r.rows.map((c) => `${pad(String(c.id), 7)} ${pad(c.email, 34)} ${pad([c.firstName, c.lastName].filter(Boolean).join(' '), 24)} ${pad(c.stage, 11)} ${String(c.score).padStart(5)}  ${c.companyName ?? c.companyDomain ?? ''}`),
          `${r.rows.length ? `${o.offset + 1}-${o.offset + r.rows.length}` : '0'} of ${r.total}`,
        ].join('\n'),
      );
    });

  contacts
    .command('show')
    .description('One contact: fields, score explanation, recent activity.')
    .argument('<contact>', 'id or e-mail')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const r = await withCore(cmd, (core) => {
        let id = /^\d+$/.test(ref) ? Number(ref) : undefined;
        if (id === undefined) {
          const row = storeOf(core).byEmail(ref);
          if (!row) throw new CliExit(`No live contact with e-mail ${ref.trim().toLowerCase()}.`);
          id = row.id;
        }
        return core.call('contacts.get', { id, timelineLimit: 20 });
      });
      print(cmd, r, () => {
        const c = r.contact;
        const lines = [
          `${c.firstName ?? ''} ${c.lastName ?? ''} <${c.email}>  #${c.id}${c.deletedAt ? `  (deleted ${c.deletedAt}${c.mergedInto ? `, merged into #${c.mergedInto}` : ''})` : ''}`.trim(),
          `stage ${c.stage} · score ${c.score} · consent ${c.consent}${c.timeZone ? ` · ${c.timeZone}` : ''}`,
        ];
        if (c.companyName || c.companyDomain) lines.push(`company ${c.companyName ?? ''} ${c.companyDomain ? `(${c.companyDomain})` : ''}`.trim());
        if (c.source || c.utmSource) lines.push(`source ${c.source ?? '-'}${c.utmSource ? ` · utm ${c.utmSource}/${c.utmMedium ?? ''}/${c.utmCampaign ?? ''}` : ''}`);
        if (c.tags.length) lines.push(`tags ${c.tags.join(', ')}`);
        if (Object.keys(c.custom).length) lines.push(`custom ${JSON.stringify(c.custom)}`);
        lines.push('', `Score ${r.score.total}:`);
        for (const l of r.score.lines) lines.push(`  ${(l.points > 0 ? '+' : '') + l.points}`.padEnd(8) + `${l.rule}: ${l.detail}${l.at ? ` (${l.at})` : ''}`);
        lines.push('', 'Recent activity:');
        for (const e of r.timeline) lines.push(`  ${e.at}  ${e.type}${e.data ? '  ' + JSON.stringify(e.data).slice(0, 100) : ''}`);
        return lines.join('\n');
      });
    });
}
