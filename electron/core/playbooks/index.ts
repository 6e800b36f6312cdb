/**
 * The playbooks domain (docs/playbooks.md): agent-team playbooks compiled to
 * workflows of the durable engine, and the workspace as a git repository.
 */
import { ApiError, playbooksOps } from '../../../shared/api';
import { defineDomain } from '../domain';

const notYet = (): never => {
  throw new ApiError('unavailable', 'Playbooks are not available in this build yet.');
};

export const playbooksDomain = defineDomain({
  id: 'playbooks',
  description: 'Agent-team playbooks: roles in phases with quality gates, run as workflows; the workspace as a git repository.',
  ops: playbooksOps,
  create: () => ({
    handlers: Object.fromEntries(Object.keys(playbooksOps).map((k) => [k, notYet])) as never,
  }),
});
