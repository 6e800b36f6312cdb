/**
 * Demo data for the e2e specs that share the global server: seeded once (the
 * first spec that asks), reused by the others. Compare what the UI shows with the
 * API's numbers, never with the count asked for here.
 */
import type { BatonServerInfo } from './fixtures';

export async function ensureDemo(baton: BatonServerInfo, contacts = 3000): Promise<number> {
  const { total } = await baton.api('contacts.list', { limit: 1 });
  if (total > 0) return total;
  return (await baton.api('demo.seed', { contacts })).contacts;
}
