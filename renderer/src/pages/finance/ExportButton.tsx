/** "Export CSV": runs an export operation and offers its CSV as a downloaded file (the P&L's and the affiliate tab's). */
import { useAction } from '../../api/hooks';
import { ErrorPanel } from '../../components/ui';

/** `load` makes the file (keep it stable with useCallback: it is run on a click, not on render). */
export function CsvExportButton({ load }: { load: () => Promise<{ csv: string; filename: string }> }) {
  const exp = useAction(load);
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        disabled={exp.pending}
        onClick={async () => {
          const out = await exp.run();
          if (!out) return;
          const url = URL.createObjectURL(new Blob([out.csv], { type: 'text/csv;charset=utf-8' }));
          const a = document.createElement('a');
          a.href = url;
          a.download = out.filename;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 1000);
        }}
      >
        Export CSV
      </button>
      {exp.error ? <ErrorPanel what="The export failed" error={exp.error} /> : null}
    </>
  );
}
