/**
 * Monthly client reports as a workflow: the report.render node renders a
 * client's report through the reports renderer into the workspace's
 * deliverables, email.send attaches files of the workspace (and refuses any
 * other path, naming the field), and the "client-report" template, installed
 * by templates.install and fired by the schedule service's own tick on the
 * first Monday of the month at 09:00 (not on the other days 1 to 7), renders
 * each client's report, waits for approval in the inbox (the payload names
 * the PDF) and e-mails the approved one to the client over a real SMTP server
 * (smtp-server) with the PDF attached, read back with pdftotext. A rejected
 * report sends nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { billingRig, type BillingRig } from '../billing/rig';
import { tempDir } from '../helpers';

let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

function pdfText(pdf: Buffer): string {
  const t = tempDir('baton-pdf-');
  try {
    const f = join(t.dir, 'r.pdf');
    writeFileSync(f, pdf);
    return execFileSync('pdftotext', ['-layout', f, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
  } finally {
    t.cleanup();
  }
}

async function settle(runId: string) {
  await engineOf(rig!.core).drain();
  return rig!.core.call('runs.get', { id: runId });
}

/** Two clients with a report definition: Acme (two contacts in March, a company) and Ben (a contact on his own). */
async function clients(r: BillingRig) {
  const { core } = r;
  const ada = await core.call('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', companyDomain: 'acme.test' });
  const bob = await core.call('contacts.create', { email: 'bob@acme.test', firstName: 'Bob', companyDomain: 'acme.test' });
  const ben = await core.call('contacts.create', { email: 'ben@solo.test', firstName: 'Ben', lastName: 'Stone' });
  // The CRM stamps contacts with the wall clock: date them in March as an import of old contacts would.
  for (const c of [ada, bob, ben]) core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id = ?`).run('2026-03-10T09:00:00.000Z', c.id);
  const acme = `company:${ada.companyId}`;
  await core.call('reports.definitions.set', { client: acme, title: 'Acme monthly report', recipient: 'ada@acme.test', sections: [{ kind: 'summary' }, { kind: 'leads' }] });
  await core.call('reports.definitions.set', { client: `contact:${ben.id}`, title: 'Ben monthly report', sections: [{ kind: 'summary' }] });
  const defs = (await core.call('reports.definitions.list', {})).definitions;
  return { acme: defs.find((d) => d.client === acme)!, ben: defs.find((d) => d.client === `contact:${ben.id}`)! };
}

describe('report.render, attachments and the monthly client report', () => {
  it('the template fires on the first Monday at 09:00 only, renders each report, and e-mails the approved one with the PDF attached; the rejected one sends nothing', async () => {
    rig = await billingRig({ start: Date.parse('2026-03-25T10:00:00Z'), settings: { 'brand.name': 'Solo Studio', 'email.timeZone': 'UTC' } });
    const { core, smtp, clock } = rig;
    const { acme, ben } = await clients(rig);
    expect(acme.clientName).toBeTruthy();

    const file = JSON.parse(readFileSync('resources/templates/client-report.json', 'utf8')) as { template: { when: string; requires: string[]; timeZone?: string } };
    expect(file.template).toMatchObject({ when: 'Every first Monday of the month at 09:00', requires: ['smtp'], timeZone: 'operator' });
    expect((await core.call('templates.install', { ids: ['client-report'], enable: true })).installed).toEqual([{ id: 'client-report', version: 1, enabled: true }]);

    const sched = schedulerOf(core);
    const fired = async () => (await sched.tick()).started.filter((s) => s.workflowId === 'client-report');
    await sched.tick(); // first sight of the schedule
    // Wednesday 1 April 09:00: a day 1-7 that is not a Monday (standard cron "0 9 1-7 * 1" would fire here).
    clock.now = Date.parse('2026-04-01T09:00:01Z');
    expect(await fired()).toEqual([]);
    clock.now = Date.parse('2026-04-06T08:59:00Z');
    expect(await fired()).toEqual([]);
    // Monday 6 April 09:00: the first Monday.
    clock.now = Date.parse('2026-04-06T09:00:01Z');
    const started = await fired();
    expect(started.map((s) => s.fireAt)).toEqual(['2026-04-06T09:00:00.000Z']);
    const runId = started[0]!.runId;
    expect((await settle(runId)).status).toBe('waiting');

    // Two approvals wait, each naming the PDF (file name, size, pages, render id, path).
    const pending = (await core.call('approvals.list', { workflow: 'client-report' })).approvals;
    expect(pending).toHaveLength(2);
    const byTo = (to: string) => pending.find((a) => (a.payload as { to: string }).to === to)!;
    const aAcme = byTo('ada@acme.test');
    const aBen = byTo('ben@solo.test');
    expect(aAcme.title).toBe('Send Acme monthly report (2026-03-01 to 2026-03-31) to ada@acme.test?');
    const rep = (aAcme.payload as { report: { filename: string; path: string; renderId: string; pages: number; bytes: number } }).report;
    expect(rep.path).toMatch(/^workspace\/deliverables\/reports\/2026-03\/.+\.pdf$/);
    expect(rep.filename).toBe(rep.path.split('/').pop());
    const onDisk = readFileSync(join(core.dataDir, ...rep.path.split('/')));
    expect(onDisk.length).toBe(rep.bytes);
    expect(rep.pages).toBeGreaterThanOrEqual(1);
    // Recorded as a render of the client (reports.renders.list / reports.file), once per client.
    const renders = (await core.call('reports.renders.list', {})).renders;
    expect(renders.map((r) => r.client).sort()).toEqual([acme.client, ben.client].sort());
    expect(renders.find((r) => r.client === acme.client)!.renderId).toBe(rep.renderId);
    expect(Buffer.from((await core.call('reports.file', { renderId: rep.renderId })).base64, 'base64').equals(onDisk)).toBe(true);
    expect(smtp.messages).toHaveLength(0); // nothing goes out before approval

    await core.call('approvals.decide', { id: aBen.id, decision: 'reject', reason: 'numbers look off', by: 'me' });
    await core.call('approvals.decide', { id: aAcme.id, decision: 'approve', by: 'me' });
    const done = await settle(runId);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');

    const [mail] = await smtp.waitFor(1, 60_000);
    expect(mail!.to).toEqual(['ada@acme.test']);
    expect(mail!.parsed.subject).toBe('Acme monthly report (2026-03-01 to 2026-03-31)');
    const att = mail!.parsed.attachments;
    expect(att.map((a) => [a.filename, a.contentType])).toEqual([[rep.filename, 'application/pdf']]);
    expect(att[0]!.content.equals(onDisk)).toBe(true);
    const text = pdfText(att[0]!.content);
    expect(text).toContain(acme.clientName!);
    expect(text).toContain('Solo Studio');
    expect(text).toContain('2026-03-01 to 2026-03-31');
    expect(text).toMatch(/New contacts 2/);
    // The rejected report sent nothing: one message in all, none to Ben.
    expect(smtp.messages).toHaveLength(1);
    expect((core.db.prepare(`SELECT COUNT(*) AS n FROM email_messages WHERE to_addr = 'ben@solo.test'`).get() as { n: number }).n).toBe(0);
  });

  it('report.render in a run outputs the file it rendered; email.send refuses an attachment outside the workspace naming the field', async () => {
    rig = await billingRig({ start: Date.parse('2026-04-06T10:00:00Z'), settings: { 'brand.name': 'Solo Studio' } });
    const { core, smtp } = rig;
    const { acme } = await clients(rig);
    await core.call('workflows.import', {
      definition: {
        id: 'render-send',
        name: 'Render and send',
        trigger: { type: 'manual' },
        nodes: [
          { id: 'render', type: 'report.render', params: { client: '=input.client', from: '2026-03-01', to: '2026-03-31' } },
          { id: 'mail', type: 'email.send', params: { to: 'ada@acme.test', kind: 'transactional', subject: 'Your report', text: 'Attached.', attachments: '=$exists(input.attachments) ? input.attachments : [{ "path": steps.render.path, "filename": "March.pdf" }]' } },
        ],
        edges: [{ from: 'render', to: 'mail' }],
      },
    });
    const run = async (input: Record<string, unknown>) => settle((await core.call('runs.start', { workflow: 'render-send', input })).runId);

    // Outside the workspace, in three ways: the store itself, an absolute path, a symbolic link out of it.
    mkdirSync(join(core.dataDir, 'workspace', 'deliverables'), { recursive: true });
    symlinkSync(join(core.dataDir, 'baton.db'), join(core.dataDir, 'workspace', 'deliverables', 'db.pdf'));
    for (const [path, why] of [
      ['baton.db', /attachments\[0\]\.path: "baton\.db" is outside the workspace/],
      ['workspace/../baton.db', /attachments\[0\]\.path: .* is outside the workspace/],
      [join(core.dataDir, 'baton.db'), /attachments\[0\]\.path: .* is outside the workspace/],
      ['workspace/deliverables/db.pdf', /attachments\[0\]\.path: .* symbolic link/],
      ['workspace/deliverables/none.pdf', /attachments\[0\]\.path: there is no file workspace\/deliverables\/none\.pdf/],
    ] as const) {
      const bad = await run({ client: acme.client, attachments: [{ path }] });
      expect(bad.status).toBe('failed');
      expect(bad.error?.message).toMatch(why);
    }
    expect(smtp.messages).toHaveLength(0);

    // An unknown client: the step's error says what to do.
    const none = await run({ client: 'company:999', attachments: [] });
    expect(none.status).toBe('failed');
    expect(none.error?.message).toMatch(/report\.render: .*there is no company 999/);

    // The rendered file, attached by the path report.render gives.
    const good = await core.call('runs.start', { workflow: 'render-send', input: { client: acme.client } });
    const goodRun = await settle(good.runId);
    expect(goodRun.status, JSON.stringify(goodRun.error)).toBe('succeeded');
    const out = goodRun.steps.find((s) => s.nodeId === 'render')!.output as { path: string; pages: number; bytes: number; client: string; period: { from: string; to: string }; renderId: string };
    expect(out).toMatchObject({ client: acme.client, period: { from: '2026-03-01', to: '2026-03-31' } });
    expect(readFileSync(join(core.dataDir, ...out.path.split('/'))).length).toBe(out.bytes);
    const rows = core.db.prepare(`SELECT run_id FROM report_renders WHERE id = ?`).all(out.renderId) as { run_id: string }[];
    expect(rows).toEqual([{ run_id: good.runId }]);
    const [mail] = await smtp.waitFor(1, 60_000);
    expect(mail!.parsed.attachments.map((a) => [a.filename, a.size])).toEqual([['March.pdf', out.bytes]]);
    expect(pdfText(mail!.parsed.attachments[0]!.content)).toContain('Acme monthly report');
    expect(goodRun.steps.find((s) => s.nodeId === 'mail')!.output).toMatchObject({ sent: true, attachments: [{ path: out.path, filename: 'March.pdf', bytes: out.bytes }] });
  });
});
