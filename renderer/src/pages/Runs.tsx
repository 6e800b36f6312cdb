import { EmptyState, PageHeader } from '../components/ui';

export function Runs() {
  return (
    <>
      <PageHeader title="Runs" intro="Every execution of a workflow, step by step." />
      <EmptyState title="Runs arrive with the engine" icon="▷">
        <p>Each time a workflow runs, its steps, results and errors are recorded and shown here.</p>
      </EmptyState>
    </>
  );
}
