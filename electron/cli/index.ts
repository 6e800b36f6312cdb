/** The `baton` command: parse the command line (commands in program.ts), run it, set the exit code. */
import { buildProgram } from './program';
import { CliExit, EXIT, reportError, setRemoteArgs, splitRemoteArgs } from './context';

export { buildProgram };

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    const split = splitRemoteArgs(argv);
    if (split.problem) throw new CliExit(`${split.problem}: baton --url https://baton.example.com --token TOKEN <command>`, EXIT.invalidInput);
    setRemoteArgs({ ...(split.url !== undefined ? { url: split.url } : {}), ...(split.token !== undefined ? { token: split.token } : {}) });
    await program.parseAsync(split.argv, { from: 'user' });
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
