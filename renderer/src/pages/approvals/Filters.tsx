/** The Approvals toolbar: status, workflow, priority, sort and search. */
import { useId } from 'react';
import type { ApprovalPriority } from '../../../../shared/api';
import { useApi, useEvent } from '../../api/hooks';
import { PRIORITY_FILTERS, SORTS, STATUS_FILTERS, type SortKey, type StatusFilter } from './model';

export interface FilterState {
  status: StatusFilter;
  workflow: string;
  priority: ApprovalPriority | 'any';
  sort: SortKey;
  q: string;
}

export function Filters({ value, onChange }: { value: FilterState; onChange: (patch: Partial<FilterState>) => void }) {
  const workflows = useApi('workflows.list', {});
  useEvent('workflows.changed', () => workflows.reload());
  const id = useId();
  return (
    <div className="ap-toolbar" role="search" aria-label="Filter approvals">
      <Choice id={`${id}-status`} label="Status" value={value.status} options={STATUS_FILTERS} onChange={(status) => onChange({ status })} />
      <div>
        <label htmlFor={`${id}-wf`}>Workflow</label>
        <select id={`${id}-wf`} value={value.workflow} onChange={(e) => onChange({ workflow: e.target.value })}>
          <option value="">All workflows</option>
          {workflows.error ? (
            <option value="" disabled>
              (could not load the workflow names: {workflows.error.message})
            </option>
          ) : null}
          {(workflows.data?.workflows ?? []).map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </div>
      <Choice id={`${id}-pri`} label="Priority" value={value.priority} options={PRIORITY_FILTERS} onChange={(priority) => onChange({ priority })} />
      <Choice id={`${id}-sort`} label="Sort" value={value.sort} options={SORTS} onChange={(sort) => onChange({ sort })} />
      <div className="ap-search">
        <label htmlFor={`${id}-q`}>Search</label>
        <input id={`${id}-q`} type="search" value={value.q} placeholder="Title or workflow" onChange={(e) => onChange({ q: e.target.value })} />
      </div>
    </div>
  );
}

/** A labelled select of fixed options. */
function Choice<T extends string>({ id, label, value, options, onChange }: { id: string; label: string; value: T; options: readonly { value: T; label: string }[]; onChange: (v: T) => void }) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
