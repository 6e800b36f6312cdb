/**
 * `baton products …` as child processes of the BUILT app (a private copy):
 * a product saved from a JSON file (a bad one refused naming the field), a
 * grant by hand prints its license key, `verify` checks it, `revoke` makes it
 * fail; a CSV imported with a column mapping (an unknown column refused naming
 * the mapping, bad rows by line, a dry run writes nothing, a second import
 * grants nothing).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltApp, runBaton, type BuiltApp } from '../support/built-app';
import { tempDir } from '../helpers';

let app: BuiltApp;
const tmp = tempDir('baton-products-cli-');

beforeAll(() => {
  app = copyBuiltApp('products-cli');
}, 180_000);
afterAll(() => {
  app.remove();
  tmp.cleanup();
});

describe('baton products', () => {
  it('save, grant, verify, revoke, import', async () => {
    const data = join(tmp.dir, 'd');
    const env = { BATON_SECRET_PRODUCT_LINK_KEY: ['cli', String(process.pid), 'q'.repeat(32)].join('-') };
    const run = (...args: string[]) => runBaton(app.bin, ['--data', data, ...args], env);
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ id: 'plugin', name: 'Plugin', access: 'serial' }));
    const refused = await run('products', 'save', bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('use "license" (a license key) or "link" (signed magic links)');
    const good = join(tmp.dir, 'good.json');
    writeFileSync(good, JSON.stringify({ id: 'plugin', name: 'Plugin', access: 'license', modules: [{ title: 'Docs', afterDays: 0, url: 'https://plugin.test/docs' }] }));
    const saved = await run('products', 'save', good);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain('Saved plugin (Plugin).');
    expect((await run('products', 'list')).stdout).toContain('plugin  Plugin  (license; 1 module(s); prices none; 0 active, 0 revoked)');

    const granted = await run('products', 'grant', 'plugin', 'ada@buyer.test', '--sale', 'S-1');
    expect(granted.code, granted.stderr).toBe(0);
    const key = /license key ([A-Z2-9-]{23})/.exec(granted.stdout)?.[1];
    expect(key, granted.stdout).toBeTruthy();
    expect((await run('products', 'verify', key!, '--product', 'plugin')).stdout).toMatch(/^Valid: plugin \(granted /);
    const grantId = /#(\d+)/.exec(granted.stdout)![1]!;
    expect((await run('products', 'link', grantId)).stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/access\/[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{32}\n/);
    expect((await run('products', 'revoke', grantId, '--reason', 'refund')).stdout).toBe(`Grant #${grantId} is revoked (refund).\n`);
    expect((await run('products', 'verify', key!)).stdout).toBe('Not valid: revoked.\n');

    const csv = join(tmp.dir, 'sales.csv');
    writeFileSync(csv, 'Order,Email\nA-1,grace@buyer.test\nA-2,nope\n');
    const wrongCol = await run('products', 'import', csv, '--email', 'E-mail', '--sale', 'Order', '--product', 'plugin');
    expect(wrongCol.code).not.toBe(0);
    expect(wrongCol.stderr).toContain('The CSV has no column "E-mail" (mapping.email). Its columns: Order, Email.');
    const dry = await run('products', 'import', csv, '--email', 'Email', '--sale', 'Order', '--product', 'plugin', '--dry-run');
    expect(dry.stdout).toBe(
      'Dry run: would grant 1 of 2 row(s); 0 already granted, 0 refunded row(s) skipped, 1 bad row(s).\n  line 3, Email: "nope" is not an e-mail address\nNothing will be e-mailed: the buyers get license keys and links, and no drip starts (tick "Start the drip" to deliver these sales like live ones).\n',
    );
    // Asked to start the drip with no delivery workflow enabled: refused, naming the option.
    const noDrip = await run('products', 'import', csv, '--email', 'Email', '--sale', 'Order', '--product', 'plugin', '--start-drip');
    expect(noDrip.code).not.toBe(0);
    expect(noDrip.stderr).toContain('startDrip: No drip can start: no enabled workflow delivers products');
    const first = await run('products', 'import', csv, '--email', 'Email', '--sale', 'Order', '--product', 'plugin');
    expect(first.stdout).toContain('Granted 1 of 2 row(s)');
    const again = await run('products', 'import', csv, '--email', 'Email', '--sale', 'Order', '--product', 'plugin', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ granted: 0, duplicates: 1 });
    expect((await run('products', 'grants', '--status', 'active')).stdout).toMatch(/^#\d+ {2}active {2}plugin {2}grace@buyer\.test {2}csv:A-1 {2}0\/1 released {2}[A-Z2-9-]{23}\n$/);
  }, 180_000);
});
