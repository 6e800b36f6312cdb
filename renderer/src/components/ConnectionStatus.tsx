import { useEffect, useState } from 'react';
import { describeConnection } from '../api/connection';
import { useConnection } from '../api/hooks';

const LABEL = { connected: 'Connected', reconnecting: 'Reconnecting', offline: 'Offline' } as const;

/** The dot in the sidebar and the line in Settings: connected / reconnecting / offline. */
export function ConnectionStatus({ detailed = false }: { detailed?: boolean }) {
  const conn = useConnection((s) => s);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (conn.state === 'connected') return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [conn.state]);
  const label = conn.state === 'reconnecting' && conn.epoch === 0 && conn.failures === 0 ? 'Connecting' : LABEL[conn.state];
  return (
    <div className={`conn conn-${conn.state}`} data-testid={detailed ? 'connection-detail' : 'connection'} data-state={conn.state} title={describeConnection(conn, now)} role="status" aria-live="polite">
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-label">{detailed ? describeConnection(conn, now) : label}</span>
      {detailed && conn.lastError && conn.state !== 'connected' ? <span className="muted"> ({conn.lastError})</span> : null}
    </div>
  );
}
