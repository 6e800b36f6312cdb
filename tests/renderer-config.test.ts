/** The configuration editors' pure logic: drafts -> contract values, problems named by field, the form examples. */
import { describe, expect, it } from 'vitest';
import {
  checkForm,
  checkPipeline,
  checkRules,
  curlExample,
  describeRule,
  formDraft,
  htmlExample,
  moveItem,
  newForm,
  newRule,
  newStage,
  pipelineDraft,
  ruleDrafts,
  slugify,
  splitList,
  webhookUrl,
} from '../renderer/src/pages/config/model';
import type { EscalationRule, PipelineConfig } from '../shared/api';

const CFG: PipelineConfig = {
  stages: [
    { id: 'qualification', name: 'Qualification', enterOn: [], limitDays: 7, task: 'Qualify {{name}}' },
    { id: 'won', name: 'Won', enterOn: ['contract.signed'], limitDays: null, task: null },
  ],
  autoCreate: { onSql: true, onDemoRequest: false, value: 0, currency: 'USD' },
};

describe('pipeline drafts', () => {
  it('round-trip a config unchanged', () => {
    const r = checkPipeline(pipelineDraft(CFG));
    expect(r).toEqual({ ok: true, value: CFG });
  });

  it('name every bad field and keep the schema messages', () => {
    const d = pipelineDraft(CFG);
    d.stages[0]!.limitDays = 'ten';
    d.stages[1]!.name = '  ';
    d.autoCreate.currency = 'US';
    d.autoCreate.value = '-5';
    const r = checkPipeline(d);
    expect(r.ok).toBe(false);
    const paths = !r.ok ? r.issues.map((i) => i.path) : [];
    expect(paths).toEqual(expect.arrayContaining(['stages.0.limitDays', 'stages.1.name', 'autoCreate.currency', 'autoCreate.value']));
    expect(!r.ok && r.issues.find((i) => i.path === 'stages.0.limitDays')?.message).toBe('use a number of days, or leave it empty for no limit');
  });

  it('parses lists, empties and new stage ids; refuses duplicates and bad ids', () => {
    const d = pipelineDraft(CFG);
    const st = { ...newStage(d.stages), id: 'demo', name: 'Demo', enterOn: ' demo.booked ,, meeting.booked ', limitDays: '2.5', task: ' ' };
    d.stages.splice(1, 0, st);
    const r = checkPipeline(d);
    expect(r.ok && r.value.stages[1]).toEqual({ id: 'demo', name: 'Demo', enterOn: ['demo.booked', 'meeting.booked'], limitDays: 2.5, task: null });
    d.stages[1]!.id = 'won';
    const dup = checkPipeline(d);
    expect(!dup.ok && dup.issues).toContainEqual({ path: 'stages.2.id', message: '"won" is already the id of another stage' });
    d.stages[1]!.id = 'Bad Id';
    expect(!checkPipeline(d).ok && (checkPipeline(d) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('stages.1.id');
    expect(newStage(d.stages).id).toBe('stage-4');
  });

  it('slugify and moveItem', () => {
    expect(slugify('Démo booked!')).toBe('demo-booked');
    expect(slugify('  ')).toBe('');
    expect(moveItem([1, 2, 3], 2, -1)).toEqual([1, 3, 2]);
    expect(moveItem([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
    expect(splitList('a, b,,c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('escalation rule drafts', () => {
  const RULES: EscalationRule[] = [
    { id: 'hot-lead', enabled: true, when: 'score_above', threshold: 80, severity: 'warning', title: 'Hot lead', task: false, exitSequences: false },
    { id: 'buy', enabled: false, when: 'event', event: 'purchase', severity: 'info', title: 'Purchase', task: true, exitSequences: false },
  ];
  it('round-trip and describe', () => {
    const d = ruleDrafts(RULES);
    expect(checkRules(d)).toEqual({ ok: true, value: RULES });
    expect(describeRule(d[0]!)).toBe('score above 80 → warning');
    expect(describeRule(d[1]!)).toBe('event purchase → info + task');
  });
  it('a threshold rule without a number, an event rule without a type and a duplicate id are named', () => {
    const d = ruleDrafts(RULES);
    d[0]!.threshold = '';
    d[1]!.event = '';
    const extra = { ...newRule(d), id: 'hot-lead', when: 'enterprise_company' as const, threshold: 'lots', title: 'Big' };
    const r = checkRules([...d, extra]);
    expect(r.ok).toBe(false);
    const issues = !r.ok ? r.issues : [];
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'rules.0.threshold', message: 'give a threshold for this rule' },
        { path: 'rules.1.event', message: 'give the event type' },
        { path: 'rules.2.threshold', message: 'use a number' },
        { path: 'rules.2.id', message: '"hot-lead" is already the id of another rule' },
      ]),
    );
  });
  it('a threshold is dropped when the condition does not use one', () => {
    const d = ruleDrafts(RULES);
    d[0]!.when = 'complaint';
    const r = checkRules(d);
    expect(r.ok && r.value[0]).not.toHaveProperty('threshold');
  });
});

describe('form drafts and examples', () => {
  it('a new form needs a slug and a name; mapping rows are checked', () => {
    const d = newForm();
    const r = checkForm(d);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['slug', 'name']));
    d.slug = 'webinar';
    d.name = 'Webinar';
    d.tags = 'webinar, 2026';
    d.fields.push({ key: 'x', field: 'email', target: 'firstName' }, { key: 'y', field: 'size', target: 'employees' });
    const bad = checkForm(d);
    expect(!bad.ok && bad.issues.map((i) => i.path)).toEqual(['fields.2.field', 'fields.3.target']);
    d.fields = d.fields.slice(0, 2);
    d.fields.push({ key: 'z', field: 'size', target: 'custom.employees' });
    expect(checkForm(d)).toEqual({ ok: true, value: { slug: 'webinar', name: 'Webinar', fields: { email: 'email', name: 'fullName', size: 'custom.employees' }, tags: ['webinar', '2026'], source: null } });
    d.fields = d.fields.filter((f) => f.target !== 'email');
    expect(!checkForm(d).ok && (checkForm(d) as { issues: { path: string; message: string }[] }).issues).toContainEqual({ path: 'fields', message: 'map one form field to email' });
  });

  it('round-trips a saved form', () => {
    const f = { slug: 'demo', name: 'Demo', fields: { mail: 'email' }, tags: ['a'], source: 'ads' };
    expect(checkForm(formDraft(f))).toEqual({ ok: true, value: f });
    // Its thank-you page and answering workflow survive an edit.
    const g = { ...f, redirect: 'https://example.com/thanks', respond: { workflow: 'demo-thanks', timeout: '20s' } };
    expect(checkForm(formDraft(g))).toEqual({ ok: true, value: g });
  });

  it('a thank-you page must be an http(s) URL; the answer timeout defaults to 10s and is bounded', () => {
    const d = formDraft({ slug: 'demo', name: 'Demo', fields: { mail: 'email' }, tags: [], source: null });
    d.redirect = 'javascript:alert(1)';
    const bad = checkForm(d);
    expect(!bad.ok && bad.issues.map((i) => i.path)).toEqual(['redirect']);
    d.redirect = '';
    d.respondWorkflow = 'demo-thanks';
    const ok = checkForm(d);
    expect(ok.ok && ok.value.respond).toEqual({ workflow: 'demo-thanks', timeout: '10s' });
    expect(ok.ok && 'redirect' in ok.value).toBe(false);
    d.respondTimeout = '10m';
    const slow = checkForm(d);
    expect(!slow.ok && slow.issues.map((i) => i.path)).toEqual(['respond.timeout']);
  });

  it('the webhook URL, a curl command and an HTML form that post the mapped fields', () => {
    const url = webhookUrl('http://127.0.0.1:4717/', 'webinar');
    expect(url).toBe('http://127.0.0.1:4717/hooks/forms/webinar');
    const form = { slug: 'webinar', name: 'Webinar', fields: { mail: 'email', "who's": 'fullName', ok: 'consent' }, tags: [], source: null };
    const curl = curlExample(url, form);
    expect(curl).toContain(`curl -X POST 'http://127.0.0.1:4717/hooks/forms/webinar'`);
    expect(curl).toContain(`-d '{"mail":"ada@example.com","who'\\''s":"Ada Lovelace","ok":"true"}'`);
    const html = htmlExample(url, form);
    expect(html).toContain('<form method="post" action="http://127.0.0.1:4717/hooks/forms/webinar">');
    expect(html).toContain('<input type="email" name="mail" required>');
    expect(html).toContain('<input type="checkbox" name="ok" value="true">');
    expect(html).toContain('name="who\'s"');
  });
});
