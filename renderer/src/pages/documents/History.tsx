/**
 * The workspace as a versioned repository (docs/playbooks.md, "The workspace"): a file's history
 * (workspace.history: the commits that changed it on main, newest first, with the role and action
 * of the `[role] action: …` convention) and the diff of one commit against its parent
 * (workspace.diff), the commit chosen in the address (`&commit=OID`); and the workspace's recent
 * commits with the files each changed (workspace.log). Live through the query cache
 * (workspace.committed, docs.changed).
 */
import { useEffect, useRef } from 'react';
import { PlaybookPath, type WorkspaceCommit } from '../../../../shared/api';
import { hashWith } from '../../api/nav';
import { useHashQuery } from '../../components/hashQuery';
import { Card, QueryView, formatTime } from '../../components/ui';
import { useQuery } from '../../data/query';

/** Whether a workspace file can have a history (the repository's path rule). */
export function hasHistory(path: string): boolean {
  return PlaybookPath.safeParse(path).success;
}

function Who({ c }: { c: WorkspaceCommit }) {
  return c.role ? <span className="badge badge-neutral">{c.role}</span> : <span className="badge docs-badge-muted">{c.author}</span>;
}

export function FileHistory({ path }: { path: string }) {
  const [query, setQuery] = useHashQuery('documents');
  const history = useQuery('workspace.history', { path, limit: 50 });
  const commits = history.data?.commits ?? [];
  const selected = query.commit && commits.some((c) => c.oid === query.commit) ? query.commit : commits[0]?.oid;
  const ref = useRef<HTMLElement>(null);
  const wanted = query.view === 'history';
  const shown = !!history.data;
  useEffect(() => {
    if (wanted && shown) ref.current?.scrollIntoView({ block: 'start' });
  }, [wanted, shown]);
  return (
    <section ref={ref} className="card docs-history" aria-labelledby="docs-history-title" data-testid="doc-history">
      <div className="card-head">
        <h2 id="docs-history-title">History of {path}</h2>
      </div>
      <QueryView
        q={history}
        what={`Could not load the history of ${path}`}
        loading="Loading the history…"
        isEmpty={(d) => d.commits.length === 0}
        empty={<p className="muted">No recorded change yet: the workspace records a version when a playbook step writes the file or before a playbook merges.</p>}
      >
        {(d) => (
          <div className="docs-history-layout">
            <ol className="docs-commits" aria-label={`Changes of ${path}`}>
              {d.commits.map((c) => (
                <li key={c.oid}>
                  <a
                    href={hashWith('documents', { path, view: 'history', commit: c.oid })}
                    aria-current={c.oid === selected ? 'true' : undefined}
                    data-testid="commit-item"
                    data-oid={c.oid}
                    onClick={(e) => {
                      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                      e.preventDefault();
                      setQuery({ path, view: 'history', commit: c.oid }, { replace: true });
                    }}
                  >
                    <span className="docs-commit-msg">{c.message.split('\n')[0]}</span>
                    <span className="docs-meta">
                      <Who c={c} /> <code>{c.oid.slice(0, 7)}</code> · <time dateTime={c.at}>{formatTime(c.at)}</time>
                      {c.parents.length > 1 ? ' · merge' : ''}
                    </span>
                  </a>
                </li>
              ))}
            </ol>
            {selected ? <CommitDiff path={path} commit={selected} /> : null}
          </div>
        )}
      </QueryView>
    </section>
  );
}

export function CommitDiff({ path, commit }: { path: string; commit: string }) {
  const diff = useQuery('workspace.diff', { path, commit });
  return (
    <div className="docs-diff-wrap" data-testid="doc-diff">
      <QueryView q={diff} what={`Could not load the change ${commit.slice(0, 7)}`} loading="Loading the change…">
        {(d) => (
          <>
            <p className="docs-meta" data-testid="diff-summary">
              <code>{d.commit.slice(0, 7)}</code> {d.base ? <>against <code>{d.base.slice(0, 7)}</code></> : '(the first version)'} · <span className="docs-add-count">+{d.added}</span> <span className="docs-del-count">−{d.removed}</span>
            </p>
            {d.diff ? (
              <pre className="docs-diff" aria-label={`Diff of ${path} at ${d.commit.slice(0, 7)}`} tabIndex={0}>
                {d.diff.split('\n').map((line, i) => {
                  const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
                  return (
                    <span key={i} className={`docs-diff-${kind}`} data-kind={kind}>
                      {kind === 'add' ? <span className="sr-only">added: </span> : kind === 'del' ? <span className="sr-only">removed: </span> : null}
                      {line}
                      {'\n'}
                    </span>
                  );
                })}
              </pre>
            ) : (
              <p className="muted">This commit did not change the file.</p>
            )}
          </>
        )}
      </QueryView>
    </div>
  );
}

/** The workspace's recent commits with the files each changed (the list column of the page). */
export function RecentChanges({ onOpen }: { onOpen: (path: string, commit: string) => void }) {
  const log = useQuery('workspace.log', { limit: 10 });
  return (
    <Card title="Recent changes" id="docs-changes">
      <p className="hint docs-hint">The workspace is versioned: every playbook step is a commit, every phase a merge.</p>
      <QueryView q={log} what="Could not load the workspace changes" loading="Loading changes…" isEmpty={(d) => d.commits.length === 0} empty={<p className="muted">No change recorded yet.</p>}>
        {(d) => (
          <ol className="docs-list docs-log" aria-label="Recent changes">
            {d.commits.map((c) => (
              <li key={c.oid} data-testid="log-item">
                <span className="docs-commit-msg">{c.message.split('\n')[0]}</span>
                <span className="docs-meta">
                  <Who c={c} /> <time dateTime={c.at}>{formatTime(c.at)}</time>
                </span>
                {c.files.length ? (
                  <ul className="docs-log-files" aria-label="Files changed">
                    {c.files.slice(0, 6).map((f) =>
                      hasHistory(f) ? (
                        <li key={f}>
                          <a
                            href={hashWith('documents', { path: f, view: 'history', commit: c.oid })}
                            onClick={(e) => {
                              if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                              e.preventDefault();
                              onOpen(f, c.oid);
                            }}
                          >
                            {f}
                          </a>
                        </li>
                      ) : (
                        <li key={f}>{f}</li>
                      ),
                    )}
                    {c.files.length > 6 ? <li className="muted">and {c.files.length - 6} more</li> : null}
                  </ul>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </QueryView>
    </Card>
  );
}
