import { EmptyState, PageHeader } from '../components/ui';

export function Pipeline() {
  return (
    <>
      <PageHeader title="Pipeline" intro="Open deals by stage: what is moving, what is stuck." />
      <EmptyState title="The pipeline board is on its way" icon="▥">
        <p>Deals appear here by stage once the board lands.</p>
      </EmptyState>
    </>
  );
}
