import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { exportContacts, importCsv } from '../../electron/core/crm/csv';
import { getScoring, setScoring } from '../../electron/core/crm/scoring';
import { ApiError } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, dir, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const importFile = (p: string, map?: Record<string, string>) => importCsv(core, createReadStream(p), { map });
const count = (sql: string) => (core.db.prepare(sql).get() as { n: number }).n;

describe('CSV import', () => {
  it('imports valid rows and reports each invalid row with its line number and reason', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const bad = Buffer.concat([Buffer.from('bad@enc.com,Jos'), Buffer.from([0xe9, 0xff]), Buffer.from(',,\n')]);
    const p = file(
      'people.csv',
      Buffer.concat([
        Buffer.from('\uFEFFE-Mail,First Name,Last Name,Company\n'), // line 1 (BOM)
        Buffer.from(' Ada@Example.com ,Ada,Lovelace,Example Ltd\n'), // 2 ok
        Buffer.from(',No,Email,\n'), // 3 missing e-mail
        Buffer.from('not-an-email,Bad,Email,\n'), // 4 invalid e-mail
        Buffer.from('"multi@line.com","Multi\nLine",X,\n'), // 5-6 ok (quoted newline)
        bad, // 7 bad encoding
        Buffer.from(`long@x.com,${big},,\n`), // 8 10 MB line
        Buffer.from('extra@x.com,A,B,C,D\n'), // 9 extra column
        Buffer.from('\n'), // 10 blank
        Buffer.from('ADA@example.com,Ada,King,\n'), // 11 same e-mail as line 2: updates it
        Buffer.from('bob@example.com,Bob,,Example Ltd'), // 12 ok, no trailing newline
      ]),
    );
    const r = await importFile(p);
    expect(r.mapping).toEqual({ 'E-Mail': 'email', 'First Name': 'firstName', 'Last Name': 'lastName', Company: 'companyName' });
    expect(r.invalid).toEqual([
      { line: 3, reason: 'email: missing' },
      { line: 4, reason: 'email: "not-an-email" is not a valid e-mail address' },
      { line: 7, reason: expect.stringContaining('not valid UTF-8') },
      { line: 8, reason: expect.stringMatching(/10\.0 MB long; rows may be at most 1 MB/) },
      { line: 9, reason: 'the row has 5 columns but the header has 4 (an unquoted comma?)' },
    ]);
    expect(r).toMatchObject({ rows: 9, created: 3, updated: 1, unchanged: 0, invalidCount: 5, companiesCreated: 1 });
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(3);
    const ada = (await core.call('contacts.list', { search: 'ada@' })).rows[0]!;
    expect(ada).toMatchObject({ email: 'ada@example.com', lastName: 'King', companyDomain: 'example.com' });
    const bob = (await core.call('contacts.list', { search: 'bob@' })).rows[0]!;
    expect(bob.companyId).toBe(ada.companyId);

    // importing the same file again creates nothing new
    const again = await importFile(p);
    expect(again).toMatchObject({ created: 0, invalidCount: 5, companiesCreated: 0 });
    expect(again.unchanged).toBeGreaterThanOrEqual(2); // bob and multi; ada flips Lovelace -> King within the file
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(3);
    expect(count(`SELECT COUNT(*) AS n FROM companies`)).toBe(1);
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'contact.created'`)).toBe(3);
  });

  it('uses an explicit mapping, custom fields and tags; rejects a bad mapping before writing anything', async () => {
    const p = file('m.csv', 'Mail;Plan;Labels;Zone;Opt\nx@y.io;pro;a, b;Europe/Paris;yes\nz@y.io;free;;Nowhere/Land;no\n');
    const r = await importFile(p, { Mail: 'email', Plan: 'custom.plan', Labels: 'tags', Zone: 'timeZone', Opt: 'consent' });
    expect(r).toMatchObject({ created: 1, invalid: [{ line: 3, reason: expect.stringContaining('timeZone: "Nowhere/Land" is not an IANA time zone') }] });
    const c = (await core.call('contacts.list', {})).rows[0]!;
    expect(c).toMatchObject({ email: 'x@y.io', custom: { plan: 'pro' }, tags: ['a', 'b'], timeZone: 'Europe/Paris', consent: 'granted' });

    const e = (await importFile(p, { Mail: 'email', Nope: 'firstName', Plan: 'shoeSize' }).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.issues?.map((i) => i.path)).toEqual(['map.Nope', 'map.Plan']);
    expect(e.message).toMatch(/Nothing was imported/);
    const noEmail = (await importCsv(core, 'a,b\n1,2\n').catch((x: unknown) => x)) as ApiError;
    expect(noEmail.message).toMatch(/no column maps to email/);
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(1);
    const empty = (await core.call('contacts.import', { csv: '' }).catch((x: unknown) => x)) as ApiError;
    expect(empty.message).toMatch(/The file is empty: it needs a header row/);
    // the API takes CSV text
    const api = await core.call('contacts.import', { csv: 'email,stage\nnew@y.io,MQL\nx@y.io,customer\nbad@y.io,hot\n' });
    expect(api).toMatchObject({ created: 1, updated: 1, invalid: [{ line: 4, reason: expect.stringContaining('stage: "hot" is not a stage') }] });
  });

  it('rolls a failing batch back whole and replays it row by row, so good rows survive', async () => {
    // A trigger makes one row fail inside the batch (a constraint the validator cannot see).
    core.db.exec(`CREATE TEMP TRIGGER boom BEFORE INSERT ON contacts WHEN NEW.email = 'boom@boom.com' BEGIN SELECT RAISE(ABORT, 'refused by the store'); END`);
    const lines = ['email,company'];
    for (let i = 0; i < 30; i++) lines.push(i === 17 ? 'boom@boom.com,Boom' : `u${i}@acme${i % 3}.com,Acme ${i % 3}`);
    const r = await importCsv(core, lines.join('\n'));
    expect(r.created).toBe(29);
    expect(r.invalid).toEqual([{ line: 19, reason: 'refused by the store' }]);
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(29);
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'contact.created'`)).toBe(29);
    expect(count(`SELECT COUNT(*) AS n FROM companies`)).toBe(3);
    expect(r.companiesCreated).toBe(3);
  });

  it('exports CSV that imports back unchanged, and a JSON array', async () => {
    await core.call('contacts.create', { email: 'a@x.com', firstName: 'A, "quoted"', tags: ['t1', 't2'], custom: { plan: 'pro' }, companyName: 'X', stage: 'customer' });
    await core.call('contacts.create', { email: 'b@x.com', lastName: 'Multi\nline' });
    const collect = async (format: 'csv' | 'json') => {
      let s = '';
      const out = new Writable({ write(chunk, _e, cb) { s += String(chunk); cb(); } });
      const n = await exportContacts(core, out, format);
      return { s, n };
    };
    const csv = await collect('csv');
    expect(csv.n).toBe(2);
    const json = await collect('json');
    expect(JSON.parse(json.s).map((c: { email: string }) => c.email)).toEqual(['a@x.com', 'b@x.com']);
    const p = file('out.csv', csv.s);
    const r = await importFile(p);
    expect(r).toMatchObject({ created: 0, updated: 0, unchanged: 2, invalidCount: 0 });
    expect(readFileSync(p, 'utf8').split('\r\n')[0]).toMatch(/^id,email,firstName/);
  });

  it('writes big batches with a bigger cache and gives the connection its settings back, also after a refused import', async () => {
    const settings = () => ({ cache: core.db.pragma('cache_size', { simple: true }), checkpoint: core.db.pragma('wal_autocheckpoint', { simple: true }) });
    const before = settings();
    const lines = ['email,first name'];
    for (let i = 0; i < 2500; i++) lines.push(`p${i % 2000}@bulk.io,P${i}`); // 500 repeats within the file
    const r = await importCsv(core, lines.join('\n'));
    expect(r).toMatchObject({ rows: 2500, created: 2000, updated: 500, invalidCount: 0 });
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(2000);
    expect(settings()).toEqual(before);
    await expect(importCsv(core, 'a,b\n1,2\n')).rejects.toThrow(/no column maps to email/);
    expect(settings()).toEqual(before);
    // the one e-mail index left is the live-rows unique one
    const idx = (core.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND sql LIKE '%(\`email\`)%'`).all() as { name: string }[]).map((x) => x.name);
    expect(idx).toEqual(['contacts_email_live']);
  });

  it('records each new contact once as of its commit: created, then its promotion, then a later row of the same file as an update', async () => {
    const cfg = getScoring(core);
    setScoring(core, { ...cfg, fit: [...cfg.fit, { id: 'vip', label: 'VIP', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 60 }] });
    const r = await importCsv(core, 'email,first name,tags\nada@x.com,Ada,vip\nbob@x.com,Bob,\nADA@x.com,Ada2,\n');
    expect(r).toMatchObject({ created: 2, updated: 1 });
    const events = (core.db.prepare(`SELECT type, subject_id AS s, data FROM events WHERE subject_type = 'contact' ORDER BY id`).all() as { type: string; s: string; data: string }[]).map((e) => ({
      type: e.type,
      s: e.s,
      d: JSON.parse(e.data) as Record<string, unknown>,
    }));
    const ada = events.filter((e) => e.s === '1');
    expect(ada.map((e) => e.type)).toEqual(['contact.created', 'score.crossed', 'lifecycle.changed', 'contact.updated']);
    // The contact as of the commit that created it (promoted by its score in that commit), written once.
    expect(ada[0]!.d).toMatchObject({ id: 1, firstName: 'Ada', stage: 'mql', score: 60, tags: ['vip'], via: 'import', initialStage: 'lead', importId: r.importId });
    expect(ada[3]!.d).toMatchObject({ firstName: 'Ada2', changes: { firstName: { from: 'Ada', to: 'Ada2' } } });
    const bob = events.find((e) => e.s === '2')!;
    expect(bob).toMatchObject({ type: 'contact.created', d: { id: 2, email: 'bob@x.com', firstName: 'Bob', stage: 'lead', score: 0, tags: [], company: null, via: 'import', initialStage: 'lead' } });
    expect(Object.keys(bob.d).slice(-3)).toEqual(['via', 'initialStage', 'importId']);
  });
});
