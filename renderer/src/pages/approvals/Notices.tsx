/** Above the list: decisions saved on this device, what became of them, and the bulk approve's outcome. */
import { useConnection } from '../../api/hooks';
import type { Note } from './model';
import { useDecisionQueue } from './queue';
import { flushNow } from './sync';

export function Notices({ banner, onDismiss }: { banner: Note | null; onDismiss: () => void }) {
  const queue = useDecisionQueue((s) => s.items);
  const queueNotes = useDecisionQueue((s) => s.notes);
  const connected = useConnection((s) => s.state) === 'connected';
  return (
    <>
      {queue.length ? (
        <div className="notice ap-queue" role="status" data-testid="local-queue">
          {queue.length} decision{queue.length === 1 ? '' : 's'} saved on this device — sends when connected.{' '}
          {connected ? (
            <button type="button" className="btn-link" onClick={() => void flushNow()}>
              Send now
            </button>
          ) : null}
        </div>
      ) : null}
      {queueNotes.length ? (
        <div className="notice" role="status">
          {queueNotes.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </div>
      ) : null}
      {banner ? (
        <div className={`ap-banner ap-tone-${banner.tone}`} role="status" data-testid="banner">
          <span>{banner.text}</span>
          <button type="button" className="btn-link" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      ) : null}
    </>
  );
}
