/** `baton ai status|waiting|release`. */
import type { Command } from 'commander';
import { CliExit, EXIT, print, withApi } from '../context';

export function register(program: Command): void {
  const ai = program.command('ai').description('AI steps (Claude): status and spend, steps waiting for the key or budget, and releasing them.');
  ai.command('status')
    .description("Model, whether the Anthropic key is stored, and today's spend against the daily cap.")
    .action(async (_o: unknown, cmd: Command) => {
      const s = await withApi(cmd, (core) => core.call('ai.status', {}));
      print(cmd, s, () =>
        [
          `Key: ${s.keyPresent ? 'stored' : 'not stored (baton secrets set ANTHROPIC_API_KEY)'}`,
          `Model: ${s.model}`,
          `Spent today: $${s.spentTodayUsd.toFixed(2)}${s.dailyCapUsd === null ? ' (no cap)' : ` of $${s.dailyCapUsd.toFixed(2)}${s.capReached ? ' — cap reached, AI steps wait' : ''}`}`,
        ].join('\n'),
      );
    });
  ai.command('waiting')
    .description('AI steps waiting for the Anthropic key (and your go-ahead) or for budget.')
    .action(async (_o: unknown, cmd: Command) => {
      const w = await withApi(cmd, (core) => core.call('ai.waiting', {}));
      print(cmd, w, () => waitingText(w));
    });
  ai.command('release')
    .description('Decide about the AI steps waiting for the key: "run" lets them call Claude now (the daily cap still holds), "discard" cancels their runs.')
    .argument('<action>', 'run | discard')
    .action(async (action: string, _o: unknown, cmd: Command) => {
      if (action !== 'run' && action !== 'discard') throw new CliExit(`action must be "run" or "discard" (got "${action}"); nothing was changed.`, EXIT.invalidInput);
      const r = await withApi(cmd, (core) => core.call('ai.release', { action }));
      print(cmd, r, () => r.message);
    });
}

export function waitingText(w: { key: number; budget: number; keyPresent: boolean; decisionNeeded: boolean; workflows: { name: string; key: number; budget: number }[] }): string {
  if (!w.key && !w.budget) return 'No AI step is waiting.';
  const lines = [`${w.key} AI step(s) wait for the Anthropic key, ${w.budget} for budget (the daily cap).`];
  for (const f of w.workflows) lines.push(`  ${f.name}: ${f.key} key, ${f.budget} budget`);
  if (w.decisionNeeded) lines.push('The key is stored: run them with `baton ai release run`, or discard them with `baton ai release discard`.');
  else if (w.key) lines.push('Store the key with `baton secrets set ANTHROPIC_API_KEY`, then choose `baton ai release run` or `discard`.');
  return lines.join('\n');
}
