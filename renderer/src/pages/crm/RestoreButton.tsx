/** Restore a soft-deleted contact from the table's "Deleted" view (the error shows beside the button). */
import type { MouseEvent } from 'react';
import type { Contact } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { personName } from './format';

export function RestoreButton({ contact, onRestored }: { contact: Contact; onRestored: () => void }) {
  const restore = useAction((id: number) => call('contacts.restore', { id }));
  const click = async (e: MouseEvent) => {
    e.stopPropagation();
    const r = await restore.run(contact.id);
    if (r) onRestored();
  };
  return (
    <>
      <button type="button" className="btn btn-small" aria-label={`Restore ${personName(contact)}`} onClick={(e) => void click(e)} disabled={restore.pending}>
        {restore.pending ? 'Restoring…' : 'Restore'}
      </button>
      {restore.error ? (
        <span className="field-error ct-restore-error" role="alert" title={restore.error.message}>
          {restore.error.message}
        </span>
      ) : null}
    </>
  );
}
