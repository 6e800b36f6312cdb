import { EmptyState, PageHeader } from '../components/ui';

export function Contacts() {
  return (
    <>
      <PageHeader title="Contacts" intro="Leads, clients and everyone your workflows talk to." />
      <EmptyState title="Contacts arrive with the CRM" icon="◎">
        <p>When the contact store lands, people, their history and their scores are listed here.</p>
      </EmptyState>
    </>
  );
}
