/**
 * The per-contact frequency cap across workflows (docs/email.md, docs/growth.md): two
 * different workflows — a nurture e-mail and a growth engine's outreach — would both mail the
 * same contact; with email.frequencyCap 1 per 7 days (email.frequencyCapDays) only the first
 * goes out (real SMTP server). The later one waits, the reason on its run, and goes out when
 * the period has passed; with email.frequencyCapAction drop it is not sent and its run says why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { salesRig, type SalesRig } from '../sales/rig';

let rig: SalesRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const mailer = (id: string, subject: string) => ({
  id,
  name: id,
  trigger: { type: 'manual' },
  nodes: [
    { id: 'send', type: 'email.send', params: { contactId: '=input.contactId', subject, html: '<p>Hi {{ contact.first_name | default: "there" }}</p>' } },
    { id: 'after', type: 'log', params: { message: 'not sent' } },
  ],
  edges: [{ from: 'send', to: 'after', branch: 'skipped' }],
});

async function start(r: SalesRig, workflow: string, contactId: number) {
  const { runId } = await r.core.call('runs.start', { workflow, input: { contactId } });
  await engineOf(r.core).drain();
  return runId;
}

describe('per-contact frequency cap across workflows', () => {
  it('the second workflow\'s e-mail waits with the reason on its run, and goes out after the period', async () => {
    rig = await salesRig({ settings: { 'email.frequencyCap': 1, 'email.frequencyCapDays': 7 } });
    const id = await rig.contact('ivy@example.com');
    await rig.core.call('workflows.import', { definition: mailer('nurture', 'Welcome aboard'), enable: true });
    await rig.core.call('workflows.import', { definition: mailer('growth-outreach', 'A resource for your page'), enable: true });

    const first = await start(rig, 'nurture', id);
    expect((await rig.core.call('runs.get', { id: first })).status).toBe('succeeded');
    await rig.smtp.waitFor(1);
    const second = await start(rig, 'growth-outreach', id);
    const waiting = await rig.core.call('runs.get', { id: second });
    expect(waiting.status).not.toBe('succeeded');
    expect(JSON.stringify(waiting.steps)).toContain('frequency cap: next e-mail to this contact at');
    expect(rig.smtp.messages).toHaveLength(1);

    // Six days later still inside the period: nothing.
    rig.clock.now += 6 * 86_400_000;
    await engineOf(rig.core).drain();
    expect(rig.smtp.messages).toHaveLength(1);
    // After the 7 days: the waiting e-mail goes out.
    rig.clock.now += 86_400_000 + 5_000;
    await engineOf(rig.core).drain();
    const [, m] = await rig.smtp.waitFor(2);
    expect(m!.parsed.subject).toBe('A resource for your page');
    expect((await rig.core.call('runs.get', { id: second })).status).toBe('succeeded');
  });

  it('with frequencyCapAction drop the later e-mail is not sent and its run says why', async () => {
    rig = await salesRig({ settings: { 'email.frequencyCap': 1, 'email.frequencyCapDays': 7, 'email.frequencyCapAction': 'drop' } });
    const id = await rig.contact('joe@example.com');
    await rig.core.call('workflows.import', { definition: mailer('nurture', 'Welcome aboard'), enable: true });
    await rig.core.call('workflows.import', { definition: mailer('growth-outreach', 'A resource for your page'), enable: true });
    await start(rig, 'nurture', id);
    await rig.smtp.waitFor(1);
    const second = await start(rig, 'growth-outreach', id);
    const run = await rig.core.call('runs.get', { id: second });
    expect(run.status).toBe('succeeded');
    const send = run.steps.find((s) => s.nodeId === 'send')!;
    expect(send.output).toMatchObject({ sent: false, reason: 'frequency_cap: 1 e-mail sent to this contact in the last 7 days (email.frequencyCap 1)' });
    expect(run.steps.some((s) => s.nodeId === 'after')).toBe(true);
    rig.clock.now += 8 * 86_400_000;
    await engineOf(rig.core).drain();
    expect(rig.smtp.messages).toHaveLength(1);
  });
});
