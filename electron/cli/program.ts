/**
 * The `baton` command's commands. Each domain adds its commands in electron/cli/commands/<domain>.ts
 * (`export function register(program: Command): void`) and is listed here. Kept apart from
 * index.ts (which runs the command line when loaded) so tests can read the command tree.
 */
import { Command } from 'commander';
import { VERSION } from '../core/version';
import { refuseRemoteFor } from './context';
import { register as registerAffiliate } from './commands/affiliate';
import { register as registerAi } from './commands/ai';
import { register as registerApprovals } from './commands/approvals';
import { register as registerBilling } from './commands/billing';
import { register as registerProducts } from './commands/products';
import { register as registerGrowth } from './commands/growth';
import { register as registerContacts } from './commands/contacts';
import { register as registerDemo } from './commands/demo';
import { register as registerEscalations } from './commands/escalations';
import { register as registerEvents } from './commands/events';
import { register as registerMonitor } from './commands/monitor';
import { register as registerHooks } from './commands/hooks';
import { register as registerEmail } from './commands/email';
import { register as registerPipeline } from './commands/pipeline';
import { register as registerPlaybook } from './commands/playbook';
import { register as registerSequences } from './commands/sequences';
import { register as registerSetup } from './commands/setup';
import { register as registerRun } from './commands/run';
import { register as registerServe } from './commands/serve';
import { register as registerSystem } from './commands/system';
import { register as registerWorkflow } from './commands/workflow';

export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: the local-first command center for a solo business operator.')
    .version(VERSION)
    .option('--data <dir>', 'data folder (default: $BATON_DATA_DIR, else the one Baton folder of this OS: ~/.local/share/baton on Linux, ~/Library/Application Support/Baton on macOS, %APPDATA%\\Baton on Windows)')
    .option('--secrets-keyfile <file>', 'key file of the encrypted secrets file (else $BATON_SECRETS_KEYFILE); used when no OS keychain answers')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nA remote server (its HTTP API; see docs/cli.md):\n  baton --url https://baton.example.com --token TOKEN <command>   (or BATON_URL and BATON_TOKEN)',
    )
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  // A local-only command given a remote server refuses before it does anything.
  program.hook('preAction', (_root, action) => {
    const path: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) path.unshift(c.name());
    refuseRemoteFor(path.join(' '));
  });
  return program;
}

const COMMANDS: ((program: Command) => void)[] = [registerServe, registerSystem, registerContacts, registerEvents, registerDemo, registerWorkflow, registerRun, registerApprovals, registerEscalations, registerHooks, registerEmail, registerSequences, registerPipeline, registerSetup, registerAi, registerBilling, registerProducts, registerGrowth, registerPlaybook, registerMonitor, registerAffiliate];

