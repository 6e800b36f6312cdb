/** `baton demo seed`: a realistic demo business, generated deterministically. */
import { InvalidArgumentError, type Command } from 'commander';
import { seedDemo } from '../../core/crm/demo';
import { print, withCore } from '../context';

function int(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`use a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function register(program: Command): void {
  const demo = program.command('demo').description('Demo data.');
  demo
    .command('seed')
    .description('Fill an empty data folder with a demo business: companies, contacts, 12 months of activity, deals (same --seed, same data).')
    .option('--contacts <n>', 'number of contacts', int(1, 1_000_000), 1000)
    .option('--events-per-contact <n>', 'average events per contact', int(1, 100), 10)
    .option('--seed <n>', 'random seed', int(0, 2 ** 31 - 1), 42)
    .action(async (o: { contacts: number; eventsPerContact: number; seed: number }, cmd: Command) => {
      const r = await withCore(cmd, async (core) => seedDemo(core, { contacts: o.contacts, eventsPerContact: o.eventsPerContact, seed: o.seed }));
      print(cmd, r, () => `Seeded ${r.companies} companies, ${r.contacts} contacts, ${r.events} events and ${r.deals} deals in ${(r.durationMs / 1000).toFixed(1)} s.`);
    });
}
