/**
 * First run: a short, skippable walk through what Baton needs (data folder, time
 * zone, optional SMTP, Anthropic key and public address), then data to look at (demo data or a
 * CSV) and a few example workflows. Every step can be skipped and done later in
 * Settings; "Finish" (or "Skip setup") stores setup.completed.
 */
import { useState } from 'react';
import { useAction } from '../../api/hooks';
import { useNav } from '../../api/nav';
import { ErrorPanel, PageHeader } from '../../components/ui';
import { DataToLookAt } from './DataToLookAt';
import { finishSetup } from './finish';
import { STEPS } from './model';
import { ClaudeStep, DataStep, EmailStep, PublicAddressStep, TimeZoneStep } from './Steps';
import { TemplatesStep } from './TemplatesStep';
import './setup.css';

export { WelcomeBanner } from './WelcomeBanner';

export function Setup() {
  const [step, setStep] = useState(0);
  const go = useNav((s) => s.go);
  const finish = useAction(async () => {
    await finishSetup();
    go('dashboard');
  });
  const last = step === STEPS.length - 1;
  return (
    <>
      <PageHeader
        title="Set up Baton"
        intro="Seven short steps; skip any of them and come back from Settings."
        actions={
          <button type="button" className="btn btn-quiet" onClick={() => void finish.run()}>
            Skip setup
          </button>
        }
      />
      <ol className="setup-steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : undefined}>
            <button type="button" className="btn-link" onClick={() => setStep(i)}>
              <span className="setup-num" aria-hidden="true">
                {i + 1}
              </span>
              {s}
            </button>
          </li>
        ))}
      </ol>
      <section className="card setup-panel" aria-labelledby="setup-step-title">
        <h2 id="setup-step-title">
          Step {step + 1} of {STEPS.length}: {STEPS[step]}
        </h2>
        {step === 0 ? <DataStep /> : null}
        {step === 1 ? <TimeZoneStep /> : null}
        {step === 2 ? <EmailStep /> : null}
        {step === 3 ? <ClaudeStep /> : null}
        {step === 4 ? <PublicAddressStep /> : null}
        {step === 5 ? <DataToLookAt /> : null}
        {step === 6 ? <TemplatesStep /> : null}
        <div className="setup-nav">
          <button type="button" className="btn" disabled={step === 0} onClick={() => setStep(step - 1)}>
            Back
          </button>
          {last ? (
            <button type="button" className="btn btn-primary" disabled={finish.pending} onClick={() => void finish.run()}>
              Finish and open the dashboard
            </button>
          ) : (
            <button type="button" className="btn btn-primary" onClick={() => setStep(step + 1)}>
              Next
            </button>
          )}
        </div>
        {finish.error ? <ErrorPanel what="Could not finish the setup" error={finish.error} onRetry={() => void finish.run()} /> : null}
      </section>
    </>
  );
}
