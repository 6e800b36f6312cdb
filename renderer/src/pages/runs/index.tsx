/** The Runs page: the list (filters, pages) or one run (`#/runs?run=ID`), the filters kept in the address. */
import { useHashQuery } from '../../components/hashQuery';
import '../workflows/workflows.css';
import { RunView } from './Detail';
import { RunList } from './List';
import { filtersOf } from './model';

export function Runs() {
  const [query, setQuery] = useHashQuery('runs');
  const filters = filtersOf(query);
  if (query.run) return <RunView id={query.run} onBack={() => setQuery({ ...filters, run: null })} />;
  return <RunList query={query} setQuery={setQuery} />;
}
