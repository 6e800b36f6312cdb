/**
 * Secrets out of step results before they are committed: the output (and so the
 * successors' input and the run output), the error (and so the step history, the
 * run error, the failure escalation and the run.failed event), the suspension
 * (approval title/payload/reason, waiting-for text, state, child inputs) and the
 * effects (escalations, events). The scrubber is the thread's
 * one registry (secrets/scrub.ts); with no secret known every result passes as is.
 */
import { processSecrets, type SecretScrubber } from '../secrets/scrub';
import type { StepOutcome, StepResult } from './store';

export function scrubStepResult(r: StepResult, s: SecretScrubber = processSecrets): StepResult {
  if (!s.size) return r;
  let outcome: StepOutcome = r.outcome;
  if (outcome.kind === 'done') {
    if (s.found(outcome.output)) {
      const value = s.value(JSON.parse(outcome.output) as unknown);
      outcome = { ...outcome, output: JSON.stringify(value), outputValue: value };
    }
  } else if (outcome.kind === 'error') {
    const error = s.value(outcome.error);
    if (error !== outcome.error) outcome = { kind: 'error', error };
  } else {
    const suspend = viaJson(outcome.suspend, s);
    if (suspend !== outcome.suspend) outcome = { kind: 'suspend', suspend };
  }
  const effects = r.effects.length ? viaJson(r.effects, s) : r.effects;
  return outcome === r.outcome && effects === r.effects ? r : { ...r, outcome, effects };
}

/**
 * What is stored as JSON is searched as JSON (so a class instance with toJSON, a Date, a Map
 * inside state is searched as it will be written); only a hit is parsed back and scrubbed.
 */
function viaJson<T>(v: T, s: SecretScrubber): T {
  const text = JSON.stringify(v);
  return text !== undefined && s.found(text) ? s.value(JSON.parse(text) as T) : v;
}
