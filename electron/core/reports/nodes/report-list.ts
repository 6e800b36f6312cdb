import { z } from 'zod';
import { clientEmail, clientName } from '../../crm/clients';
import { defineNode } from '../../engine/registry';
import { reportsStoreOf } from '../store';

/**
 * The enabled report definitions, for a forEach over clients: `reports` (each
 * { client, clientName, title, sendsTo }: the definition's recipient, else the
 * client's e-mail) and `skipped` (definitions with no address to send to, with
 * the reason). Reads only.
 */
export default defineNode({
  type: 'report.list',
  description: 'List the enabled client report definitions with the address each report goes to.',
  params: z.object({}).strict(),
  run(ctx) {
    const st = reportsStoreOf(ctx.env);
    const reports: { client: string; clientName: string | null; title: string; sendsTo: string }[] = [];
    const skipped: { client: string; clientName: string | null; reason: string }[] = [];
    for (const d of st.definitions()) {
      if (d.enabled !== 1) continue;
      const name = clientName(ctx.env, d.client);
      const to = d.recipient ?? clientEmail(ctx.env, d.client);
      if (to) reports.push({ client: d.client, clientName: name, title: d.title, sendsTo: to });
      else skipped.push({ client: d.client, clientName: name, reason: 'no recipient: set one in the report definition, or give the client a contact with an e-mail' });
    }
    return { output: { reports, skipped, count: reports.length } };
  },
});
