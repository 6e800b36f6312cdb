import { customType } from 'drizzle-orm/sqlite-core';
import { parseStored } from '../integrity';

/**
 * A JSON column Baton writes (stored as text, like `text(name, { mode: 'json' })`,
 * same SQL). Reading text that no longer parses throws StoredDataError naming
 * `table.column`: damage, answered with the backup to restore, never a SyntaxError.
 */
export function json<T = unknown>(column: string, table: string) {
  const where = `${table}.${column}`;
  return customType<{ data: T; driverData: string }>({
    dataType: () => 'text',
    toDriver: (v) => JSON.stringify(v),
    fromDriver: (v) => parseStored<T>(v, where),
  })(column);
}
