/** `baton products list|show|save|delete|grants|grant|revoke|link|import|verify` (docs/products.md). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliExit, EXIT, print, withApi } from '../context';

const readText = (path: string, what: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliExit(`Cannot read ${what} ${path}: ${(e as Error).message}`, EXIT.invalidInput);
  }
};

export function register(program: Command): void {
  const p = program.command('products').description('Products and access: products, grants (license keys, magic links), revocation, CSV sales import.');
  p.command('list')
    .description('The products, with their Stripe prices, modules and grants.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('products.list', {}));
      print(cmd, r, () => r.products.map((x) => `${x.id}  ${x.name}  (${x.access}; ${x.modules.length} module(s); prices ${x.priceIds.join(', ') || 'none'}; ${x.grants.active} active, ${x.grants.revoked} revoked)`).join('\n') || 'No products yet: npx baton products save <file.json>');
    });
  p.command('show <id>')
    .description('One product as JSON.')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('products.get', { id }));
      print(cmd, r, () => JSON.stringify(r, null, 2));
    });
  p.command('save <file>')
    .description('Create or replace a product from a JSON file ({ "id", "name", "access": "license"|"link", "priceIds", "modules": [{ "title", "afterDays", "url" }], "upsell" }).')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      let product: unknown;
      try {
        product = JSON.parse(readText(file, 'the product file'));
      } catch (e) {
        if (e instanceof CliExit) throw e;
        throw new CliExit(`${file} is not JSON: ${(e as Error).message}`, EXIT.invalidInput);
      }
      const r = await withApi(cmd, (core) => core.call('products.save', { product: product as never }));
      print(cmd, r, () => [`Saved ${r.product.id} (${r.product.name}).`, ...r.warnings.map((w) => `Warning: ${w}`)].join('\n'));
    });
  p.command('delete <id>')
    .description('Delete a product without grants.')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('products.delete', { id }));
      print(cmd, r, () => `Deleted ${id}.`);
    });
  p.command('grants')
    .description('Grants, newest first.')
    .option('--product <id>', 'one product')
    .option('--status <status>', 'active | revoked')
    .option('--search <text>', 'e-mail, sale id or license key')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .action(async (o: { product?: string; status?: string; search?: string; limit?: number }, cmd: Command) => {
      if (o.status && o.status !== 'active' && o.status !== 'revoked') throw new CliExit(`--status must be active or revoked (got "${o.status}").`, EXIT.invalidInput);
      const r = await withApi(cmd, (core) =>
        core.call('products.grants.list', { ...(o.product ? { productId: o.product } : {}), ...(o.status ? { status: o.status as 'active' } : {}), ...(o.search ? { search: o.search } : {}), ...(o.limit ? { limit: o.limit } : {}) }),
      );
      print(cmd, r, () => r.rows.map((g) => `#${g.id}  ${g.status}${g.revokeReason ? ` (${g.revokeReason})` : ''}  ${g.productId}  ${g.email}  ${g.source}:${g.saleId}  ${g.released}/${g.modules} released${g.licenseKey ? `  ${g.licenseKey}` : ''}`).join('\n') || 'No grants.');
    });
  p.command('grant <productId> <email>')
    .description('Grant a product by hand (once per --sale id).')
    .option('--sale <id>', 'the sale or order id')
    .option('--name <name>', 'the buyer\'s name')
    .action(async (productId: string, email: string, o: { sale?: string; name?: string }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('products.grants.create', { productId, email, ...(o.sale ? { saleId: o.sale } : {}), ...(o.name ? { name: o.name } : {}) }));
      print(cmd, r, () => `${r.created ? 'Granted' : 'Already granted'}: #${r.grant.id} ${r.grant.productId} to ${r.grant.email}${r.grant.licenseKey ? ` (license key ${r.grant.licenseKey})` : ''}.`);
    });
  p.command('revoke <grantId>')
    .description('Revoke a grant: its license key and links stop working at once.')
    .requiredOption('--reason <text>', 'why (stored): refund, chargeback …')
    .action(async (grantId: string, o: { reason: string }, cmd: Command) => {
      const id = Number(grantId);
      if (!Number.isInteger(id) || id <= 0) throw new CliExit(`<grantId> must be a grant number such as 12 (got "${grantId}"; see npx baton products grants).`, EXIT.invalidInput);
      const r = await withApi(cmd, (core) => core.call('products.grants.revoke', { id, reason: o.reason }));
      print(cmd, r, () => `Grant #${r.id} is ${r.status} (${r.revokeReason ?? ''}).`);
    });
  p.command('link <grantId>')
    .description('A fresh signed magic link to a grant\'s access page.')
    .action(async (grantId: string, _o: unknown, cmd: Command) => {
      const id = Number(grantId);
      if (!Number.isInteger(id) || id <= 0) throw new CliExit(`<grantId> must be a grant number such as 12 (got "${grantId}").`, EXIT.invalidInput);
      const r = await withApi(cmd, (core) => core.call('products.grants.link', { id }));
      print(cmd, r, () => `${r.url}\n(valid until ${r.expiresAt})`);
    });
  p.command('import <file>')
    .description('Import sales from another platform\'s CSV: one grant per sale, never twice.')
    .requiredOption('--email <column>', 'the column with the buyer\'s e-mail')
    .requiredOption('--sale <column>', 'the column with the order / sale id')
    .option('--product <id>', 'the product of every row')
    .option('--product-column <column>', 'the column with the product (its id or name)')
    .option('--name <column>', 'the column with the buyer\'s name')
    .option('--refunded <column>', 'a column saying a sale was refunded (such rows are skipped)')
    .option('--dry-run', 'check and count, write nothing')
    .option('--start-drip', 'deliver each new sale like a live one (the enabled delivery workflow: access e-mail, modules over days, upsell); off by default')
    .action(async (file: string, o: { email: string; sale: string; product?: string; productColumn?: string; name?: string; refunded?: string; dryRun?: boolean; startDrip?: boolean }, cmd: Command) => {
      const csv = readText(file, 'the CSV file');
      const mapping = { email: o.email, saleId: o.sale, ...(o.productColumn ? { product: o.productColumn } : {}), ...(o.name ? { name: o.name } : {}), ...(o.refunded ? { refunded: o.refunded } : {}) };
      const r = await withApi(cmd, (core) => core.call('products.import', { csv, mapping, ...(o.product ? { productId: o.product } : {}), dryRun: !!o.dryRun, startDrip: !!o.startDrip }));
      print(cmd, r, () =>
        [
          `${r.dryRun ? 'Dry run: would grant' : 'Granted'} ${r.granted} of ${r.rows} row(s); ${r.duplicates} already granted, ${r.skipped} refunded row(s) skipped, ${r.errors.length} bad row(s).`,
          ...r.errors.map((e) => `  line ${e.line}, ${e.field}: ${e.message}`),
          r.drip.summary + (r.dryRun || !r.drip.requested ? '' : ` Started ${r.drip.started} run(s).`),
        ].join('\n'),
      );
    });
  p.command('verify <key>')
    .description('Check a license key.')
    .option('--product <id>', 'the product it must be for')
    .action(async (key: string, o: { product?: string }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('products.license.verify', { key, ...(o.product ? { productId: o.product } : {}) }));
      print(cmd, r, () => (r.valid ? `Valid: ${r.productId} (granted ${r.grantedAt}).` : `Not valid: ${r.reason}.`));
    });
}
