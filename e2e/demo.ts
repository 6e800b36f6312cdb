/**
 * Demo data for the e2e specs that share the global server: seeded once over the
 * API (demo.seed, inside the server's own writer, so no lock contention), by the
 * first spec that asks; the others reuse it. Compare what the UI shows with the
 * API's numbers, never with the count asked for here.
 */
async function call(op: string, input: unknown): Promise<Record<string, unknown>> {
  const url = process.env.BATON_E2E_URL;
  const token = process.env.BATON_E2E_TOKEN;
  if (!url || !token) throw new Error('BATON_E2E_URL/TOKEN are not set: run through playwright.config.ts.');
  const res = await fetch(new URL(`api/v1/${op}`, url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: Record<string, unknown>; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${op}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body.result;
}

/** The number of contacts in the shared server's CRM, after seeding `contacts` demo contacts if it was empty. */
export async function ensureDemo(contacts = 3000): Promise<number> {
  const total = (await call('contacts.list', { limit: 1 })).total as number;
  if (total > 0) return total;
  const seeded = (await call('demo.seed', { contacts })).contacts as number;
  // The sales rules read the new history (hot leads, deals at SQL …): work the backlog off now, so the
  // tests that follow do not race a busy server.
  for (let i = 0; i < 50 && ((await call('sequences.tick', {})).events as number) > 0; i++);
  return seeded;
}
