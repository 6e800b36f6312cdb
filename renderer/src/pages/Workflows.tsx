import { EmptyState, PageHeader } from '../components/ui';

export function Workflows() {
  return (
    <>
      <PageHeader title="Workflows" intro="Automations that run on a schedule, on an event or on demand." />
      <EmptyState title="Workflows arrive with the engine" icon="⇄">
        <p>Once the workflow engine lands, your workflows, their triggers and their status are listed here.</p>
      </EmptyState>
    </>
  );
}
