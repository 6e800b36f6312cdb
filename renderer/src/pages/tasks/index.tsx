/**
 * Tasks (`#/tasks?status=done`, `#/tasks?due=overdue`): every operator task, open ones by due date with
 * Overdue / Due today / Due this week, done ones newest first; Done completes one, New task adds one.
 * The same list as the Pipeline's and a contact's (../crm/Tasks.tsx).
 */
import { useHashQuery } from '../../components/hashQuery';
import { Card, PageHeader } from '../../components/ui';
import { DUE_LABEL, TaskList, type DueFilter } from '../crm/Tasks';
import '../crm/crm.css';

export function Tasks() {
  const [query, setQuery] = useHashQuery('tasks');
  const status = query.status === 'done' ? 'done' : 'open';
  const due = (Object.keys(DUE_LABEL) as DueFilter[]).find((d) => d === query.due) ?? 'any';
  return (
    <>
      <PageHeader title="Tasks" intro="What you have to do: from workflows, pipeline stages, escalation rules and sequences, and the ones you add. Overdue ones are marked." />
      <Card title={status === 'open' ? (due === 'any' ? 'Open tasks' : DUE_LABEL[due]) : 'Done tasks'} id="tasks-page">
        <TaskList
          status={status}
          due={due}
          canAdd={status === 'open'}
          onFilter={(f) => setQuery({ status: f === 'open' ? null : f, due: f === 'open' && due !== 'any' ? due : null })}
          onDue={(d) => setQuery({ due: d === 'any' ? null : d })}
        />
      </Card>
    </>
  );
}
