/** `baton events add`: record activity on a contact. */
import { InvalidArgumentError, type Command } from 'commander';
import { INGEST_EVENT_TYPES } from '../../../shared/api';
import { print, withApi } from '../context';

function parseData(value: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('give a JSON object, e.g. \'{"url":"https://example.com/pricing"}\'.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('give a JSON object, e.g. \'{"url":"https://example.com/pricing"}\'.');
  return v as Record<string, unknown>;
}

export function register(program: Command): void {
  const events = program.command('events').description('Contact activity events.');
  events
    .command('add')
    .description(`Record an event on a contact (an unknown --email creates the contact). Types: ${INGEST_EVENT_TYPES.join(', ')}.`)
    .requiredOption('--type <type>', 'event type, e.g. email.opened')
    .option('--email <email>', 'the contact, by e-mail')
    .option('--contact <id>', 'the contact, by id')
    .option('--at <time>', 'when (ISO 8601; default now)')
    .option('--props <json>', 'event data as a JSON object (--data names the data folder)', parseData)
    .action(async (o: { type: string; email?: string; contact?: string; at?: string; props?: Record<string, unknown> }, cmd: Command) => {
      const r = await withApi(cmd, (core) =>
        core.call('events.ingest', {
          events: [
            {
              type: o.type as 'custom',
              ...(o.email !== undefined ? { email: o.email } : {}),
              ...(o.contact !== undefined ? { contactId: Number(o.contact) } : {}),
              ...(o.at !== undefined ? { at: o.at } : {}),
              ...(o.props !== undefined ? { data: o.props } : {}),
            },
          ],
        }),
      );
      print(cmd, { id: r.ids[0], contactId: r.contactIds[0] }, () => `Recorded ${o.type} #${r.ids[0]} on contact #${r.contactIds[0]}.`);
    });
}
