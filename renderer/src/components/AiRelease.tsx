/**
 * AI steps waiting for the Anthropic key are never released by saving the key
 * alone: the person chooses to run them (under the daily cap) or to discard
 * them (their runs are cancelled). Shown after the key is saved (Settings,
 * Setup) and on the Dashboard while the choice is pending.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { AiWaiting, OpOutput } from '../../../shared/api';
import { call } from '../api/client';
import { useAction } from '../api/hooks';
import { ErrorPanel } from './ui';
import './aiRelease.css';

const steps = (n: number) => `${n.toLocaleString()} AI step${n === 1 ? '' : 's'}`;

/** The choice itself: run them / discard them (discard is confirmed first). */
export function AiReleaseChoice({ count, onDone, onLater, autoFocus }: { count: number; onDone: (r: OpOutput<'ai.release'>) => void; onLater?: () => void; autoFocus?: boolean }) {
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const release = useAction((action: 'run' | 'discard') => call('ai.release', { action }));
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (autoFocus) first.current?.focus();
  }, [autoFocus]);
  const go = async (action: 'run' | 'discard') => {
    const r = await release.run(action);
    if (r) onDone(r);
  };
  return (
    <>
      {confirmDiscard ? (
        <div className="form-actions" role="group" aria-label="Confirm discarding">
          <span>
            Discard {steps(count)}? Their runs are cancelled; nothing is sent.
          </span>
          <button type="button" className="btn btn-danger" disabled={release.pending} onClick={() => void go('discard')}>
            {release.pending ? 'Discarding…' : `Discard ${steps(count)}`}
          </button>
          <button type="button" className="btn" onClick={() => setConfirmDiscard(false)}>
            Keep them
          </button>
        </div>
      ) : (
        <div className="form-actions">
          <button ref={first} type="button" className="btn btn-primary" disabled={release.pending} onClick={() => void go('run')}>
            {release.pending ? 'Starting…' : 'Run them'}
          </button>
          <button type="button" className="btn" disabled={release.pending} onClick={() => setConfirmDiscard(true)}>
            Discard them
          </button>
          {onLater ? (
            <button type="button" className="btn btn-quiet" onClick={onLater}>
              Decide later
            </button>
          ) : null}
        </div>
      )}
      {release.error ? <ErrorPanel what="Could not release the waiting AI steps" error={release.error} /> : null}
    </>
  );
}

/**
 * After the Anthropic key was saved: "N AI steps are waiting: run them / discard them".
 * `checkNonce` changes each time the key is saved; the prompt asks the core how many wait.
 */
export function KeySavedPrompt({ checkNonce }: { checkNonce: number }) {
  const [waiting, setWaiting] = useState<AiWaiting | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const ids = { title: useId(), desc: useId() };
  useEffect(() => {
    if (!checkNonce) return;
    let live = true;
    setDone(null);
    call('ai.waiting', {}).then(
      (w) => live && setWaiting(w.key > 0 ? w : null),
      () => live && setWaiting(null),
    );
    return () => {
      live = false;
    };
  }, [checkNonce]);
  if (done) {
    return (
      <p className="success" role="status" data-testid="ai-release-result">
        {done}
      </p>
    );
  }
  if (!waiting) return null;
  return (
    <div className="notice ai-release" role="alertdialog" aria-labelledby={ids.title} aria-describedby={ids.desc} data-testid="ai-release-prompt">
      <h3 id={ids.title}>{steps(waiting.key)} {waiting.key === 1 ? 'is' : 'are'} waiting</h3>
      <p id={ids.desc}>
        {waiting.key === 1 ? 'It' : 'They'} waited for the Anthropic key
        {waiting.workflows.filter((w) => w.key > 0).length ? ` (${waiting.workflows.filter((w) => w.key > 0).map((w) => `${w.name}: ${w.key}`).join(', ')})` : ''}. Run them now, under the
        daily spend cap, or discard them (their runs are cancelled). Until you choose, they keep waiting.
      </p>
      <AiReleaseChoice count={waiting.key} autoFocus onDone={(r) => setDone(r.message)} onLater={() => setWaiting(null)} />
    </div>
  );
}
