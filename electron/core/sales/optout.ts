/**
 * One way to opt an address out, whichever way the person asked: the
 * unsubscribe page's button, a mail client's RFC 8058 one-click POST, or a
 * mailto: unsubscribe message found by the IMAP poll. The address goes on the
 * suppression list; the first time, its contact gets `email.unsubscribed`
 * (data.via says how) and its sequences end.
 */
import type { Core } from '../core';
import { ingestEvents } from '../crm/events';
import { exitEnrollments } from './sequences';

export type OptOutVia = 'link' | 'one-click' | 'mailto';

/** Returns whether the address was newly suppressed. */
export function optOut(core: Core, email: string, via: OptOutVia, source: string): boolean {
  const fresh = core.db.prepare(`INSERT OR IGNORE INTO suppressions (email, reason, source) VALUES (?, 'unsubscribed', ?)`).run(email, source.slice(0, 300)).changes > 0;
  const contact = core.db.prepare('SELECT id FROM contacts WHERE email = ? AND deleted_at IS NULL').get(email) as { id: number } | undefined;
  if (fresh && contact) {
    ingestEvents(core, [{ contactId: contact.id, type: 'email.unsubscribed', data: { via } }], { reason: 'unsubscribe' });
    exitEnrollments(core, contact.id, 'email.unsubscribed', core.now());
  }
  return fresh;
}
