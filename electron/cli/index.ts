/**
 * The `baton` command. Each domain adds its commands in electron/cli/commands/<domain>.ts
 * (`export function register(program: Command): void`) and is listed here.
 */
import { Command } from 'commander';
import { VERSION } from '../core/version';
import { register as registerApprovals } from './commands/approvals';
import { register as registerContacts } from './commands/contacts';
import { register as registerDemo } from './commands/demo';
import { register as registerEscalations } from './commands/escalations';
import { register as registerEvents } from './commands/events';
import { register as registerHooks } from './commands/hooks';
import { register as registerEmail } from './commands/email';
import { register as registerPipeline } from './commands/pipeline';
import { register as registerSequences } from './commands/sequences';
import { register as registerSetup } from './commands/setup';
import { register as registerRun } from './commands/run';
import { register as registerServe } from './commands/serve';
import { register as registerSystem } from './commands/system';
import { register as registerWorkflow } from './commands/workflow';
import { reportError } from './context';

export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: the local-first command center for a solo business operator.')
    .version(VERSION)
    .option('--data <dir>', 'data folder (default: $BATON_DATA_DIR, else the one Baton folder of this OS: ~/.local/share/baton on Linux, ~/Library/Application Support/Baton on macOS, %APPDATA%\\Baton on Windows)')
    .option('--secrets-keyfile <file>', 'key file of the encrypted secrets file (else $BATON_SECRETS_KEYFILE); used when no OS keychain answers')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

const COMMANDS: ((program: Command) => void)[] = [registerServe, registerSystem, registerContacts, registerEvents, registerDemo, registerWorkflow, registerRun, registerApprovals, registerEscalations, registerHooks, registerEmail, registerSequences, registerPipeline, registerSetup];

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that reports a problem without throwing (doctor) sets process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : (err.exitCode ?? 2);
    }
    return reportError(e, argv.includes('--json'));
  }
}

// Run when loaded as the entry (bin/baton.js imports this file).
const code = await main(process.argv.slice(2));
if (!process.env.BATON_CLI_KEEP_ALIVE) process.exitCode = code;
