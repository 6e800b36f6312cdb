import { EmptyState, PageHeader } from '../components/ui';

export function Approvals() {
  return (
    <>
      <PageHeader title="Approvals" intro="Decisions your workflows wait for: drafts to review, offers to send, replies to approve." />
      <EmptyState title="Approvals arrive with the engine" icon="✓">
        <p>When a workflow reaches an approval step, it stops here until you approve, edit or reject it.</p>
      </EmptyState>
    </>
  );
}
