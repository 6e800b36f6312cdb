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
      <div>
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={value.status} onChange={(e) => onChange({ status: e.target.value as StatusFilter })}>
          {STATUS_FILTERS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
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
      <div>
        <label htmlFor={`${id}-pri`}>Priority</label>
        <select id={`${id}-pri`} value={value.priority} onChange={(e) => onChange({ priority: e.target.value as ApprovalPriority | 'any' })}>
          {PRIORITY_FILTERS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-sort`}>Sort</label>
        <select id={`${id}-sort`} value={value.sort} onChange={(e) => onChange({ sort: e.target.value as SortKey })}>
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <div className="ap-search">
        <label htmlFor={`${id}-q`}>Search</label>
        <input id={`${id}-q`} type="search" value={value.q} placeholder="Title or workflow" onChange={(e) => onChange({ q: e.target.value })} />
      </div>
    </div>
  );
}
