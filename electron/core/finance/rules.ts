/**
 * Categories and rules (docs/finance.md, "Categories and rules"): a rule says
 * "description contains X -> category (and client)"; the first rule by position
 * that matches (case-insensitive) wins. Rules categorise new rows at import,
 * and every row not categorised by hand again when the rules change; a
 * category set by hand stays.
 */
import { ApiError, type FinanceRule, type OpInput } from '../../../shared/api';
import { clientNames, requireClient } from '../crm/clients';
import type { ThreadEnv } from '../env';
import { financeStoreOf, type RuleRow } from './store';

export function matchRule(rules: RuleRow[], description: string): RuleRow | undefined {
  const d = description.toLowerCase();
  return rules.find((r) => d.includes(r.contains.toLowerCase()));
}

/** Re-run the rules over every transaction not categorised by hand; returns how many got a rule's category. */
export function applyRules(env: ThreadEnv): number {
  const st = financeStoreOf(env);
  return st.write(() => {
    const rules = st.rules();
    const rows = st.stmt(`SELECT id, description, category, category_by, client, client_by FROM finance_transactions WHERE category_by IS NOT 'manual' OR client_by IS NOT 'manual'`).all() as {
      id: number;
      description: string;
      category: string | null;
      category_by: string | null;
      client: string | null;
      client_by: string | null;
    }[];
    let n = 0;
    for (const r of rows) {
      const rule = matchRule(rules, r.description);
      // What was set by hand stays; what a rule set follows the rules.
      const [category, categoryBy] = r.category_by === 'manual' ? [r.category, r.category_by] : rule ? [rule.category, 'rule'] : [null, null];
      const [client, clientBy] = r.client_by === 'manual' ? [r.client, r.client_by] : rule?.client ? [rule.client, 'rule'] : [null, null];
      if (category !== r.category || categoryBy !== r.category_by || client !== r.client || clientBy !== r.client_by) st.updateTransaction(r.id, { category, categoryBy, client, clientBy });
      if (rule && r.category_by !== 'manual') n++;
    }
    return n;
  });
}

function ruleOut(env: ThreadEnv, r: RuleRow, names?: Map<string, string>): FinanceRule {
  const n = names ?? clientNames(env, r.client ? [r.client] : []);
  return { id: r.id, contains: r.contains, category: r.category, kind: r.kind as FinanceRule['kind'], client: r.client, clientName: r.client ? (n.get(r.client) ?? null) : null, position: r.position };
}

export function listRules(env: ThreadEnv): FinanceRule[] {
  const rules = financeStoreOf(env).rules();
  const names = clientNames(
    env,
    rules.flatMap((r) => (r.client ? [r.client] : [])),
  );
  return rules.map((r, i) => ruleOut(env, { ...r, position: i + 1 }, names));
}

/** The category by name (any case), created with `kind` when new; a new one without a kind is refused. */
export function ensureCategory(env: ThreadEnv, name: string, kind: string | undefined, path = 'category'): string {
  const st = financeStoreOf(env);
  const had = st.category(name);
  if (had) {
    if (kind && kind !== had.kind) st.setCategory(had.name, kind);
    return had.name;
  }
  if (!kind) throw new ApiError('invalid_input', `${path}: "${name}" is a new category: give its kind (income, expense, or excluded for transfers and payouts already counted)`, [{ path: 'kind', message: 'a new category needs a kind' }]);
  st.setCategory(name, kind);
  return name;
}

export function addRule(env: ThreadEnv, i: OpInput<'finance.rules.add'>): { rule: FinanceRule; categorized: number } {
  if (i.client) requireClient(env, i.client);
  const st = financeStoreOf(env);
  const id = env.db.transaction(() => {
    const category = ensureCategory(env, i.category, i.kind);
    const rules = st.rules();
    const at = Math.min(Math.max(1, i.position ?? rules.length + 1), rules.length + 1);
    // Positions are renumbered 1..n with the new rule at its place.
    const ordered = rules.map((r) => r.id);
    const r = st.stmt('INSERT INTO finance_rules (contains, category, client, position) VALUES (?, ?, ?, 0)').run(i.contains, category, i.client ?? null);
    const newId = Number(r.lastInsertRowid);
    ordered.splice(at - 1, 0, newId);
    const pos = st.stmt('UPDATE finance_rules SET position = ? WHERE id = ?');
    ordered.forEach((rid, k) => pos.run(k + 1, rid));
    return newId;
  })();
  const categorized = applyRules(env);
  const rule = listRules(env).find((r) => r.id === id)!;
  return { rule, categorized };
}

export function deleteRule(env: ThreadEnv, id: number): { deleted: boolean; categorized: number } {
  const st = financeStoreOf(env);
  const deleted = st.stmt('DELETE FROM finance_rules WHERE id = ?').run(id).changes > 0;
  if (!deleted) throw new ApiError('not_found', `id: there is no rule ${id} (finance.rules.list gives the ids)`, [{ path: 'id', message: 'no such rule' }]);
  return { deleted, categorized: applyRules(env) };
}

/** Set the category (by hand) and/or client of transactions. */
export function updateTransactions(env: ThreadEnv, i: OpInput<'finance.transactions.update'>): { updated: number } {
  if (i.client) requireClient(env, i.client);
  const st = financeStoreOf(env);
  return st.write(() => {
    let category: string | null | undefined = i.category;
    if (typeof category === 'string') {
      const had = st.category(category);
      if (!had) throw new ApiError('not_found', `category: there is no category "${category}" (create it with finance.categories.set, or add a rule naming it with its kind)`, [{ path: 'category', message: 'no such category' }]);
      category = had.name;
    }
    const set: Parameters<typeof st.updateTransaction>[1] = {};
    if (category !== undefined) Object.assign(set, { category, categoryBy: category === null ? null : 'manual' });
    if (i.client !== undefined) Object.assign(set, { client: i.client, clientBy: i.client === null ? null : 'manual' });
    let n = 0;
    const missing: number[] = [];
    for (const id of i.ids) {
      if (st.updateTransaction(id, set)) n++;
      else missing.push(id);
    }
    // Thrown inside the write: nothing was changed.
    if (missing.length) throw new ApiError('not_found', `ids: no transaction ${missing.slice(0, 10).join(', ')} (nothing was changed)`, [{ path: 'ids', message: 'no such transaction' }]);
    return { updated: n };
  });
}
