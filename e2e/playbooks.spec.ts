/**
 * Agent-team playbooks as a person meets them, on real components: `baton serve` (the real
 * engine and Bree workers) with the real Anthropic SDK talking to a local server speaking the
 * Messages API, scripted like a team (tests/playbooks/support.ts): a gate item failing once and
 * fixed by its role, a conflict the Coordinator decides, one gate below the confidence threshold
 * with an item that keeps failing after its role's fix (shown as blocking the merge).
 * In the window: an import refused naming the step and the field; the built-in go-to-market
 * playbook started in full mode from its page (a required field left empty is named first); the
 * run page following the phases live; the waiting gate's link to its approval in the inbox,
 * approved there; the run finishing; then an output's history on the Documents page and the diff
 * of a commit; the campaign designs and the onboarding e-mails previewed and applied from the run
 * page. Screenshots in e2e/screenshots/ (playbook-run-*, playbook-doc-history-*).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type Reply } from '../tests/support/fake-anthropic';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { SHOTS, shootSchemes } from './shots';

const KEY = ['sk', 'test', 'pb', String(process.pid)].join('-');

const textOf = (r: RecordedRequest) =>
  r.body.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((c) => c.text ?? (typeof c.content === 'string' ? c.content : '')).join('\n'))).join('\n');

/** The team's answers (as tests/playbooks/support.ts scripts them). */
function scriptTeam(claude: FakeAnthropic) {
  const reviews = new Map<string, number>();
  claude.respond((req): Reply => {
    const tool = req.body.tool_choice?.name;
    const text = textOf(req);
    if (tool === 'submit_review') {
      // One ai.review per checklist item: its one item is the checklist's first line.
      const check = /Checklist \(from the business owner\):\n1\. ([^\n]+)/.exec(text)?.[1] ?? '';
      const n = (reviews.get(check) ?? 0) + 1;
      reviews.set(check, n);
      if (check.includes('add up to the monthly budget') && n === 1) return { json: { pass: false, evidence: '"Paid search: 2000 EUR"', issues: ['The channel budgets add up to 3500 EUR, not 3000 EUR.'], confidence: 0.9 } };
      // Keeps failing after its role's fix: it blocks the Execution merge until the operator approves.
      if (check.includes('The pipeline review ends with coaching actions')) return { json: { pass: false, evidence: '"Review: deals by stage"', issues: [`Review ${n}: the sample review ends without coaching actions.`], confidence: 0.9 } };
      if (check.includes('Training covers the whole sales process')) return { json: { pass: true, evidence: '"Module 1: discovery"', issues: [], confidence: 0.4 } };
      return { json: { pass: true, evidence: '"quoted from the file"', issues: [], confidence: 0.95 } };
    }
    if (tool === 'decide') return { json: { choice: 'Score leads on fit first, engagement second, as the Pipeline Manager proposes.', rationale: 'Deals close from fit; engagement alone filled the pipeline with students.', keep: 'synthesis' } };
    if (tool === 'answer') {
      const title = /Your step: ([^\n.]+)\./.exec(req.body.messages[0]!.content as string)?.[1] ?? 'step';
      const schema = req.body.tools?.[0]?.input_schema as { properties: { files: { properties: Record<string, unknown> } } };
      const revision = req.body.messages.length > 1;
      const files = Object.fromEntries(
        Object.keys(schema.properties.files.properties).map((k) => [k, `# ${k}\n\n${title}${revision ? ' (revised: budgets add up to 3000 EUR, scoring follows the decision)' : ''}.\n\n- Fit: company size, role\n- Engagement: visits, replies\n${OUTPUTS_THAT_ACT[k] ?? ''}`]),
      );
      const conflict = !revision && title === 'Design the campaigns';
      return {
        json: {
          files,
          status: { task: title, status: 'complete', blockers: [], next: 'Wait for the quality gate' },
          ...(conflict ? { conflict: { topic: 'Lead scoring weights', withRole: 'pipeline-manager', yourPosition: 'Score engagement first', theirPosition: 'Score fit first', files: ['demand-gen/lead-scoring.md'] } } : {}),
        },
      };
    }
    return { text: 'ok' };
  });
}

/** The sections Baton turns into a sequence and a campaign plan (docs/playbooks.md, "Outputs that act"). */
const OUTPUTS_THAT_ACT: Record<string, string> = {
  onboarding: '\n## Email 1: Welcome\nDelay: 0 days\nSubject: Welcome aboard\nYour first invoice takes five minutes.\n\n## Email 2: Import your clients\nDelay: 2 days\nSubject: Import your clients in one go\nUse the CSV import.\n',
  campaigns: '\n## Campaign: Designers on LinkedIn\nChannel: LinkedIn ads\nAudience: Freelance designers in France\nOffer: 30-day free trial\nBudget: 1,200 EUR\nLeads: 80\n',
};

const BAD = `id: bad-team
name: Bad team
coordinator: lead
roles:
  - { id: lead, name: Lead, systemPrompt: You lead., writes: [plans/] }
phases:
  - id: plan
    name: Plan
    execution: sequential
    steps:
      - id: brief
        role: designer
        title: Write the brief
        activities: [Write it]
        outputs: [{ name: brief, path: plans/brief.md }]
        estimatedMinutes: 5
modes:
  - { id: full, name: Full, phases: [plan] }
`;

test('a playbook from the window: import refused naming the field, full run with a gate approved in the inbox, then the history and diff of an output', async ({ page }) => {
  test.setTimeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-pb-'));
  const claude = await startFakeAnthropic({ apiKey: KEY });
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, { ...serverEnv(), BATON_SECRET_ANTHROPIC_API_KEY: KEY });
    const s = server;
    const api = async (op: string, input: unknown = {}) => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result: Record<string, unknown>; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    for (const [key, value] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'setup.completed': true })) await api('settings.set', { key, value });
    scriptTeam(claude);

    await page.goto(`${s.url}#token=${s.token}`);
    await openPage(page, 'Playbooks');
    await expect(page.getByTestId('playbook-row')).toHaveCount(1);
    await expect(page.getByTestId('playbook-row').first()).toContainText('Go-to-market team');

    // A playbook with an unknown role: refused, the problem names the step and the field; nothing stored.
    await page.getByLabel('Or paste it').fill(BAD);
    await page.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByTestId('import-issue')).toContainText(['phases.0.steps.0.role']);
    await expect(page.getByTestId('import-issue').first()).toContainText('step "brief": role "designer" is not a role of this playbook');
    await expect(page.getByTestId('playbook-row')).toHaveCount(1);

    // The built-in playbook: the decision criteria beside the modes, a scenario presets mode and goals.
    await page.getByTestId('playbook-link').filter({ hasText: 'Go-to-market team' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Go-to-market team' })).toBeVisible();
    await expect(page.getByTestId('decision-criteria')).toContainText('Full execution');
    await page.getByLabel('Scenario (optional)').selectOption({ label: 'New product launch' });
    await expect(page.getByRole('radio', { name: /Full execution/ })).toBeChecked();
    await expect(page.getByLabel('Goals')).not.toHaveValue('');
    // A required field left empty: the run is not started and the field is named.
    await page.getByRole('button', { name: 'Start the run' }).click();
    await expect(page.getByTestId('start-error')).toContainText('businessContext');
    await expect(page.locator('[data-testid="field-error"][data-path="config.businessContext"]')).toBeVisible();
    await page.getByLabel('Business context').fill('Invoicing software for freelance designers, sold online.');
    await page.getByLabel('Target customer').fill('Freelance designers in France billing 5 to 20 clients a month.');
    await page.getByLabel('Monthly budget').fill('3000 EUR');
    await page.getByRole('button', { name: 'Start the run' }).click();

    // The run page, live: phases merge one after the other until the Execution gate asks.
    const run = page.getByTestId('pb-run');
    await expect(run).toBeVisible();
    const chip = (id: string) => page.locator(`[data-testid="phase-chip"][data-phase="${id}"]`);
    await expect(chip('strategy')).toHaveAttribute('data-status', 'merged', { timeout: 180_000 });
    await expect(chip('pipeline-building')).toHaveAttribute('data-status', 'merged', { timeout: 180_000 });
    await expect(chip('execution')).toHaveAttribute('data-status', 'waiting_approval', { timeout: 180_000 });
    await expect(chip('analysis')).toHaveAttribute('data-status', 'pending');
    await expect(run).toHaveAttribute('data-status', 'waiting');
    await expect(page.getByTestId('waiting-for')).toContainText('Execution & Optimization');
    // The failed gate item went back to its role and passed; the conflict was decided by the Coordinator.
    const strategyGate = page.locator('[data-testid="phase"][data-phase="strategy"] [data-testid="gate"]');
    await expect(strategyGate).toHaveAttribute('data-status', 'passed');
    await expect(strategyGate.getByTestId('gate-item').filter({ hasText: 'add up to the monthly budget' })).toContainText('reviewed 2 times');
    await expect(page.getByTestId('conflict')).toHaveAttribute('data-status', 'decided');
    await expect(page.getByTestId('decision')).toContainText('Deals close from fit');
    await expect(page.locator('[data-testid="role-row"][data-role="demand-gen"]')).toContainText('Wait for the quality gate');
    const runUrl = page.url();
    await shootSchemes(page, 'playbook-run-waiting', true);

    // The waiting gate links to its approval; approve it in the inbox.
    const executionGate = page.locator('[data-testid="phase"][data-phase="execution"] [data-testid="gate"]');
    await expect(executionGate.getByTestId('gate-item').filter({ hasText: 'Training covers the whole sales process' })).toContainText('confidence 40%');
    // The item still failing after its role's fix blocks the merge, with the reviewer's reason from the last round.
    const blocking = executionGate.getByTestId('gate-item').filter({ hasText: 'The pipeline review ends with coaching actions' });
    await expect(blocking).toHaveAttribute('data-result', 'fail');
    await expect(blocking).toContainText('reviewed 2 times');
    await expect(blocking.getByTestId('gate-item-reason')).toHaveText('Blocks the merge: Review 2: the sample review ends without coaching actions.');
    await expect(executionGate.getByTestId('gate-item-reason')).toHaveCount(1);
    await executionGate.getByTestId('gate-approval-link').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
    const detail = page.getByTestId('detail');
    await expect(detail).toContainText('Quality gate: Execution & Optimization');
    await detail.getByRole('button', { name: /^Approve/ }).first().click();

    // Back on the run page: the last phase runs, the run finishes.
    await page.goto(runUrl);
    await expect(run).toHaveAttribute('data-status', 'succeeded', { timeout: 180_000 });
    for (const id of ['strategy', 'pipeline-building', 'execution', 'analysis']) await expect(chip(id)).toHaveAttribute('data-status', 'merged');
    await expect(page.locator('[data-testid="phase"][data-phase="execution"] [data-testid="gate"]')).toHaveAttribute('data-status', 'approved');
    // Approved: the item is kept as failed, no longer blocking.
    await expect(executionGate.getByTestId('gate-item-reason')).toHaveText('Failed: Review 2: the sample review ends without coaching actions.');
    await expect(page.getByTestId('run-status').first()).toHaveText('Finished');
    await shootSchemes(page, 'playbook-run-finished', true);

    // Outputs that act: the campaign designs previewed as a plan, then added; the onboarding e-mails as a disabled sequence, once.
    const campaigns = page.locator('[data-testid="apply"][data-kind="campaigns"]');
    await campaigns.getByRole('button', { name: 'Preview the campaign plan' }).click();
    await expect(campaigns.getByTestId('apply-campaign')).toHaveCount(1);
    await expect(campaigns.getByTestId('apply-campaign')).toContainText('LinkedIn ads');
    await campaigns.getByRole('button', { name: 'Add the plan' }).click();
    await expect(campaigns.getByTestId('apply-result')).toContainText('with 1 items');
    const onboarding = page.locator('[data-testid="apply"][data-kind="sequence"]');
    await onboarding.getByRole('button', { name: 'Preview the onboarding sequence' }).click();
    await expect(onboarding.getByTestId('apply-email')).toHaveCount(2);
    await expect(onboarding.getByTestId('apply-email').nth(1)).toContainText('2 days later');
    await onboarding.getByRole('button', { name: 'Create the sequence (disabled)' }).click();
    await expect(onboarding.getByTestId('apply-result')).toContainText('disabled until you enable it');
    await onboarding.getByRole('button', { name: 'Preview the onboarding sequence' }).click();
    await expect(onboarding.getByTestId('apply-preview')).toContainText('applying again changes nothing');
    await expect(onboarding.getByRole('button', { name: 'Create the sequence (disabled)' })).toBeDisabled();
    expect(((await api('sequences.list')) as { sequences: { id: string; enabled: boolean }[] }).sequences.filter((x) => x.id.startsWith('pb-onboarding-'))).toEqual([expect.objectContaining({ enabled: false })]);

    // An output's history on the Documents page: the first version and the one after the decision; the diff of a commit.
    await page.locator('[data-testid="phase"][data-phase="pipeline-building"] a[data-testid="output-link"]', { hasText: 'demand-gen/lead-scoring.md' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Documents' })).toBeVisible();
    const history = page.getByTestId('doc-history');
    await expect(history.getByRole('heading', { name: 'History of demand-gen/lead-scoring.md' })).toBeVisible();
    const commits = history.getByTestId('commit-item');
    await expect.poll(() => commits.count()).toBeGreaterThanOrEqual(2);
    await expect(commits.filter({ hasText: '[demand-gen]' }).first()).toBeVisible();
    const oldest = commits.last();
    await oldest.click();
    await expect(oldest).toHaveAttribute('aria-current', 'true');
    await expect(history.getByTestId('diff-summary')).toContainText('+');
    await expect(history.locator('.docs-diff [data-kind="add"]').first()).toContainText('# ');
    // The newest change against its parent: the revision after the Coordinator's decision.
    const withDecision = commits.filter({ hasText: 'after decision' }).first();
    await withDecision.click();
    await expect(history.locator('.docs-diff [data-kind="add"]', { hasText: 'scoring follows the decision' })).toBeVisible();
    await expect(history.locator('.docs-diff [data-kind="del"]').first()).toBeVisible();
    await shootSchemes(page, 'playbook-doc-history', true);

    // 390 px: nothing scrolls sideways on the run page or the history.
    await page.setViewportSize({ width: 390, height: 844 });
    const sideways = () => page.evaluate(() => (globalThis as unknown as { document: { scrollingElement: { scrollWidth: number } } }).document.scrollingElement.scrollWidth);
    await expect.poll(sideways).toBeLessThanOrEqual(390);
    await page.screenshot({ path: resolve(SHOTS, 'playbook-doc-history-390.png') });
    await page.goto(runUrl);
    await expect(run).toHaveAttribute('data-status', 'succeeded');
    await expect.poll(sideways).toBeLessThanOrEqual(390);
    await page.screenshot({ path: resolve(SHOTS, 'playbook-run-390.png') });
  } finally {
    await server?.stop();
    await claude.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
