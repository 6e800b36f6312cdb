/**
 * The AI templates on their real triggers, with the real Anthropic SDK talking to
 * a local Anthropic-compatible server and the WordPress client to a local
 * WordPress-compatible one: ai-lead-research on a real form post (the contact's
 * own fields reach Claude, the route follows Claude's verdict, the approved
 * e-mail arrives at the SMTP server); ai-content-to-social and
 * ai-seo-quick-wins are started by hand with what a person pastes (their
 * trigger is manual). Each waits for the Anthropic key (and WordPress) first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { fakeKey } from '../ai/setup';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type Reply } from '../support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';
import { templateRig, type TemplateRig } from './rig';

let rig: TemplateRig | null = null;
let claude: FakeAnthropic | null = null;
let wp: FakeWordPress | null = null;
afterEach(async () => {
  await rig?.close();
  await claude?.close();
  await wp?.close();
  rig = claude = wp = null;
});

const wpPassword = () => ['app', 'pw', String(process.pid)].join('-');

async function aiRig(withKey: boolean, wordpress = false) {
  const key = fakeKey();
  claude = await startFakeAnthropic({ apiKey: key });
  wp = wordpress ? await startFakeWordPress({ user: 'editor', appPassword: wpPassword() }) : null;
  rig = await templateRig({
    secrets: { ...(withKey ? { ANTHROPIC_API_KEY: key } : {}), ...(wp ? { WORDPRESS_APP_PASSWORD: wpPassword() } : {}) },
    settings: { 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, ...(wp ? { 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor' } : {}) },
  });
  return { rig, claude, wp };
}

/** What the model was asked (system + messages) in request i. */
const asked = (c: FakeAnthropic, pred: (text: string) => boolean) => c.requests.map((_, i) => c.promptOf(i)).filter(pred);

describe('ai-lead-research', () => {
  it('waits for the Anthropic key; then a form lead is researched from its own fields and routed by the verdict: strong fit gets points and the approved e-mail, good fit a tag', { timeout: 60_000 }, async () => {
    let { rig: r, claude: c } = await aiRig(false);
    expect((await r.template('ai-lead-research')).requirements.find((q) => q.id === 'anthropic')).toMatchObject({ met: false });
    await expect(r.core.call('templates.install', { ids: ['ai-lead-research'], enable: true })).rejects.toThrow(/ANTHROPIC_API_KEY/);
    await r.close();
    await c.close();
    ({ rig: r, claude: c } = await aiRig(true));
    const { core, smtp } = r;
    await r.install(['ai-lead-research']);
    await core.call('forms.save', { slug: 'contact', name: 'Contact', fields: { email: 'email', name: 'fullName', title: 'title', company: 'companyName' } });
    c.respond((req: RecordedRequest): Reply => {
      const tool = req.body.tools?.[0];
      const text = JSON.stringify(req.body.messages);
      if (!tool) return { text: 'Hi Grace, I saw BigCo is opening a second plant. What is the one process you would fix first?' };
      if (tool.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.95 } };
      const strong = text.includes('grace@bigco.test');
      return { json: { companySummary: strong ? 'BigCo builds machines' : 'A small studio', persona: strong ? 'Operations lead' : 'Freelancer', score: strong ? 9 : 6, reasons: ['fits'], branch: strong ? 'hot' : 'warm' } };
    });
    await r.postForm('contact', { email: 'grace@bigco.test', name: 'Grace Hopper', title: 'COO', company: 'BigCo' });
    await r.postForm('contact', { email: 'ann@studio.test', name: 'Ann Smith', company: 'Studio' });
    await r.settle();
    // Claude saw the contact's fields as data.
    expect(asked(c, (t) => t.includes('grace@bigco.test') && t.includes('COO') && t.includes('BigCo')).length).toBeGreaterThan(0);
    const grace = await r.contactByEmail('grace@bigco.test');
    const lines = (await core.call('contacts.get', { id: grace.id })).score.lines.map((l) => [l.label, l.points]);
    expect(lines).toContainEqual(['Claude: strong fit (Operations lead)', 20]);
    const mail = smtp.messages.find((m) => m.to[0] === 'grace@bigco.test');
    expect(mail?.parsed.subject).toBe('Grace, a quick question');
    expect(mail?.parsed.text).toContain('What is the one process you would fix first?');
    const ann = await r.contactByEmail('ann@studio.test');
    expect(ann.tags).toContain('good-fit');
    expect(smtp.messages.filter((m) => m.to[0] === 'ann@studio.test')).toEqual([]);
    expect((await r.runsOf('ai-lead-research')).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
  });
});

describe('ai-content-to-social and ai-seo-quick-wins (started by hand)', () => {
  it('content to social: needs WordPress too; an article becomes reviewed posts, a saved deliverable and one WordPress draft', { timeout: 60_000 }, async () => {
    const { rig: r, claude: c, wp: w } = await aiRig(true, true);
    expect((await r.template('ai-content-to-social')).ready).toBe(true);
    await r.install(['ai-content-to-social']);
    c.respond((req): Reply => {
      const tool = req.body.tools?.[0];
      if (tool?.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.9 } };
      return { json: { linkedin: 'Invoice weekly: small invoices get paid faster. #cashflow', x: 'Small invoices get paid faster.', newsletter: 'Why weekly invoicing works. Two sentences.' } };
    });
    const article = '# Invoice weekly\n\nSmall invoices get paid faster than big ones.';
    const { runId } = await r.core.call('runs.start', { workflow: 'ai-content-to-social', input: { title: 'Invoice weekly', article } });
    await engineOf(r.core).drain();
    const run = await r.core.call('runs.get', { id: runId });
    expect(run.status, JSON.stringify(run.steps.map((s) => [s.nodeId, s.status, s.error?.message]))).toBe('succeeded');
    expect(w!.posts).toHaveLength(1);
    expect(w!.posts[0]).toMatchObject({ status: 'draft', title: 'Invoice weekly' });
    expect(asked(c, (t) => t.includes('Small invoices get paid faster than big ones.')).length).toBeGreaterThan(0);
  });

  it('SEO quick wins: a pasted keyword export becomes a reviewed list saved as a deliverable', { timeout: 60_000 }, async () => {
    const { rig: r, claude: c } = await aiRig(true);
    await r.install(['ai-seo-quick-wins']);
    c.respond((req): Reply => {
      const tool = req.body.tools?.[0];
      if (tool?.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.9 } };
      return { json: { quickWins: [{ keyword: 'bookkeeping for designers', page: '/designers', position: 7, action: 'Put the keyword in the title', why: 'Position 7 with 900 searches' }], summary: 'One quick win.' } };
    });
    const csv = 'keyword,volume,position,url\nbookkeeping for designers,900,7,/designers\nbaton,50,1,/\n';
    const { runId } = await r.core.call('runs.start', { workflow: 'ai-seo-quick-wins', input: { csv } });
    await engineOf(r.core).drain();
    const run = await r.core.call('runs.get', { id: runId });
    expect(run.status).toBe('succeeded');
    expect(asked(c, (t) => t.includes('bookkeeping for designers,900,7,/designers')).length).toBeGreaterThan(0);
    expect(JSON.stringify(run.output)).toContain('seo-quick-wins');
  });
});
