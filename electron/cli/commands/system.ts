/**
 * System commands: doctor, secrets, backup, restore.
 */
import type { Command } from 'commander';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SECRET_NAME_RULE, SecretName, type SystemInfo } from '../../../shared/api';
import { openBaton } from '../../core';
import { backupToRestore, createBackup, listBackups, restoreBackup, verifyBackup } from '../../core/backup';
import { checkStoreFile, type StoreCheck } from '../../core/db/integrity';
import { NewerSchemaError } from '../../core/db/migrate';
import { CorruptDatabaseError } from '../../core/db/open';
import { acquireLock, lockHolder } from '../../core/lock';
import { resourcesDir } from '../../core/resources';
import { createKeyFile, type SecretStore } from '../../core/secrets';
import { VERSION } from '../../core/version';
import { tokenFile } from '../../server';
import { runningServer } from '../../server/runtime';
import { CliExit, dataDirOf, EXIT, print, secretOptionsOf, withApi, withCore } from '../context';
import { fallbackStore, secretBackendCheck } from '../secrets-check';

type Level = 'ok' | 'warn' | 'fail' | 'info';
interface Check {
  name: string;
  level: Level;
  detail: string;
}

function human(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const summary = (problems: string[]) => problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');

async function doctor(cmd: Command, opts: { deep?: boolean }): Promise<void> {
  const dataDir = dataDirOf(cmd);
  const checks: Check[] = [];
  let info: SystemInfo | null = null;
  let deep: StoreCheck | null = null;
  let exitCode: number = EXIT.failed;

  if (!existsSync(dataDir)) {
    checks.push({ name: 'data folder', level: 'warn', detail: `${dataDir} does not exist yet; it is created on first use.` });
  } else {
    try {
      accessSync(dataDir, constants.W_OK);
      checks.push({ name: 'data folder', level: 'ok', detail: `${dataDir} (writable)` });
    } catch {
      checks.push({ name: 'data folder', level: 'fail', detail: `${dataDir} is not writable by this user; fix its owner or permissions.` });
    }
  }

  const holder = existsSync(dataDir) ? lockHolder(dataDir) : null;
  const running = existsSync(dataDir) ? runningServer(dataDir) : null;
  checks.push({
    name: 'running host',
    level: 'info',
    detail: holder ? `a Baton host is running on this folder (pid ${holder}${running ? `, serving ${running.url}` : ''})` : 'no Baton host is running on this folder',
  });

  // The secret backend does not depend on the database: probe it on its own.
  const probe = await secretBackendCheck(dataDir, secretOptionsOf(cmd));
  const secrets: SecretStore | undefined = probe.store ?? undefined;
  checks.push(probe.check);

  if (!existsSync(dataDir)) {
    checks.push({ name: 'database', level: 'info', detail: 'no database yet' });
  } else if (checks[0]?.level !== 'fail') {
    try {
      // Without a usable secret store (reported above) the database is still checked.
      const core = await openBaton({ dataDir, host: 'cli', secrets: secrets ?? fallbackStore() });
      try {
        info = core.info();
        const schemaOk = info.schemaVersion === info.latestSchemaVersion;
        checks.push({
          name: 'database',
          level: schemaOk && info.integrity === 'ok' ? 'ok' : 'fail',
          detail: `${info.dbFile}: schema ${info.schemaVersion} of ${info.latestSchemaVersion}, quick check ${info.integrity}${opts.deep ? '' : ' (`baton doctor --deep` checks every page and index entry)'}`,
        });
        if (opts.deep) {
          // Every page and every index entry against its row, and every stored JSON value:
          // damage inside a page passes the quick check.
          deep = await checkStoreFile(core.dbFile);
          if (deep.ok) {
            checks.push({ name: 'full check', level: 'ok', detail: `integrity_check and stored JSON: ok (${deep.ms} ms)` });
          } else {
            const err = core.damage(new CorruptDatabaseError(core.dbFile, `full check: ${summary(deep.problems)}`, backupToRestore(dataDir)))!;
            checks.push({ name: 'full check', level: 'fail', detail: err.message });
            exitCode = EXIT.corruptDatabase;
          }
        }
      } finally {
        await core.close();
      }
    } catch (e) {
      if (e instanceof NewerSchemaError) exitCode = EXIT.newerSchema;
      else if (e instanceof CorruptDatabaseError) exitCode = EXIT.corruptDatabase;
      checks.push({ name: 'database', level: 'fail', detail: (e as Error).message });
    }
  }

  const tf = tokenFile(dataDir);
  if (existsSync(tf) && process.platform !== 'win32') {
    const mode = statSync(tf).mode & 0o777;
    checks.push(
      mode & 0o077
        ? { name: 'server token', level: 'fail', detail: `${tf} has mode ${mode.toString(8)}; others can read it. Run: chmod 600 "${tf}"` }
        : { name: 'server token', level: 'ok', detail: `${tf} (mode 600)` },
    );
  }

  // --deep also checks the backups no one has checked yet (taken by an older Baton).
  if (opts.deep && existsSync(dataDir)) {
    for (const b of listBackups(dataDir).filter((x) => x.verifiedAt === null)) {
      const v = await verifyBackup(b.file);
      if (!v.ok) checks.push({ name: 'backup check', level: 'warn', detail: `${b.file} fails its check (${summary(v.problems)}); do not restore it.` });
    }
  }
  const backups = existsSync(dataDir) ? listBackups(dataDir) : [];
  const verified = backups.find((b) => b.verifiedAt !== null) ?? null;
  checks.push({
    name: 'backups',
    level: verified ? 'ok' : backups.length > 0 ? 'warn' : 'info',
    detail: verified
      ? `${backups.length} (${backups.filter((b) => b.verifiedAt).length} verified); newest verified ${verified.file} (taken ${verified.createdAt}, verified ${verified.verifiedAt})`
      : backups.length > 0
        ? `${backups.length}, none verified yet (run \`baton doctor --deep\` to check them); newest ${backups[0]!.file} (${backups[0]!.createdAt})`
        : 'none yet (take one with `baton backup`)',
  });

  const ok = !checks.some((c) => c.level === 'fail');
  print(
    cmd,
    {
      ok,
      version: VERSION,
      dataDir,
      dbFile: info?.dbFile ?? join(dataDir, 'baton.db'),
      schemaVersion: info?.schemaVersion ?? null,
      latestSchemaVersion: info?.latestSchemaVersion ?? null,
      integrity: info?.integrity ?? null,
      deep: deep ? { ok: deep.ok, problems: deep.problems, ms: deep.ms } : null,
      secretBackend: secrets?.backend() ?? null,
      server: { running: holder !== null, pid: holder, url: running?.url ?? null },
      backups: backups.length,
      lastVerifiedBackup: verified,
      checks,
    },
    () =>
      [`Baton ${VERSION} doctor`, ...checks.map((c) => `  ${c.level.padEnd(4)}  ${c.name.padEnd(12)}  ${c.detail}`), ok ? 'All good.' : 'Problems found (see "fail" above).'].join(
        '\n',
      ),
  );
  if (!ok) process.exitCode = exitCode;
}

/** The secret's value: piped on stdin (one trailing newline dropped), or typed without echo on a terminal. */
export async function readSecretValue(name: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write(`Value for ${name} (typing is hidden; Enter to finish): `);
    return new Promise((resolveValue, reject) => {
      let value = '';
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      stdin.resume();
      const done = (err?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        if (err) reject(err);
        else resolveValue(value);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
          if (ch === '\u0003') return done(new CliExit('Cancelled; nothing was stored.', 130));
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function checkSecretName(name: string): void {
  if (!SecretName.safeParse(name).success) throw new CliExit(`Invalid secret name "${name}": ${SECRET_NAME_RULE}.`, EXIT.invalidInput);
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('Check the data folder, database, secret backend, backups and whether a server is running.')
    .option('--deep', 'full check: every page and index entry of the database and every stored JSON value (also checks unverified backups)')
    .action(async (o: { deep?: boolean }, cmd: Command) => doctor(cmd, o));

  const secrets = program.command('secrets').description('Manage API keys and passwords (kept in the OS keychain, never in the database).');
  secrets
    .command('set <NAME>')
    .description('Store a secret; the value is read from standard input (never from the command line).')
    .addHelpText('after', '\nExamples:\n  printf %s "$KEY" | baton secrets set ANTHROPIC_API_KEY\n  baton secrets set ANTHROPIC_API_KEY   (then type the value; it is not shown)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      checkSecretName(name);
      const value = await readSecretValue(name);
      if (value.length === 0) throw new CliExit(`The value for ${name} is empty; pipe the value on standard input. Nothing was stored.`, EXIT.invalidInput);
      const waiting = await withApi(cmd, async (core) => {
        await core.call('secrets.set', { name, value });
        // Saving the Anthropic key releases no waiting AI step: say how many wait and how to choose.
        return name === 'ANTHROPIC_API_KEY' ? (await core.call('ai.waiting', {})).key : 0;
      });
      print(cmd, { ok: true, name, ...(name === 'ANTHROPIC_API_KEY' ? { aiStepsWaiting: waiting } : {}) }, () =>
        waiting
          ? `Stored ${name}. ${waiting} AI step(s) are waiting for it: run them with \`baton ai release run\`, or discard them with \`baton ai release discard\` (until then they keep waiting).`
          : `Stored ${name}.`,
      );
    });
  secrets
    .command('keyfile <FILE>')
    .description('Create a key file for the encrypted secrets file (32 random bytes, mode 0600, outside the data folder; never overwritten).')
    .addHelpText('after', '\nThen start Baton with BATON_SECRETS_KEYFILE=FILE (or --secrets-keyfile FILE). Keep a copy of the key file: without it the secrets cannot be read.')
    .action((file: string, _o: unknown, cmd: Command) => {
      const path = createKeyFile(file, dataDirOf(cmd));
      print(cmd, { ok: true, keyFile: path }, () => `Created ${path} (mode 600). Start Baton with BATON_SECRETS_KEYFILE="${path}" to keep secrets in ${join(dataDirOf(cmd), 'secrets.enc')}.`);
    });
  secrets
    .command('list')
    .description('Names of the stored secrets (never their values) and the active backend.')
    .action(async (_o: unknown, cmd: Command) => {
      const out = await withApi(cmd, (core) => core.call('secrets.list', {}));
      print(cmd, out, () => [`Backend: ${out.backend.kind} — ${out.backend.detail}`, ...(out.names.length ? out.names : ['(no secrets)'])].join('\n'));
    });
  secrets
    .command('delete <NAME>')
    .description('Delete a secret.')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      checkSecretName(name);
      const out = await withApi(cmd, (core) => core.call('secrets.delete', { name }));
      print(cmd, { name, ...out }, () => (out.deleted ? `Deleted ${name}.` : `There was no secret named ${name}.`));
      if (!out.deleted) process.exitCode = EXIT.failed;
    });

  program
    .command('backup')
    .description('Take an online backup of the database (safe while Baton runs).')
    .option('--to <file>', 'write the backup to this file instead of <data>/backups (not rotated)')
    .action(async (o: { to?: string }, cmd: Command) => {
      const to = o.to ? resolve(o.to) : undefined;
      if (to && existsSync(to)) throw new CliExit(`${to} already exists; choose another file name or delete it first.`);
      const info = await withCore(cmd, async (core) => (to ? createBackup(core.db, core.dataDir, { to }) : core.call('backups.create', {})));
      print(cmd, info, () => `Backup written: ${info.file} (${human(info.size)})`);
    });

  program
    .command('restore <file>')
    .description('Replace the database with a backup (Baton must not be running on this data folder).')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      const holder = lockHolder(dataDir);
      if (holder) {
        throw new CliExit(`Baton is running on ${dataDir} (pid ${holder}). Stop it first (Ctrl+C in its terminal, or kill ${holder}); nothing was restored.`);
      }
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const release = acquireLock(dataDir);
      try {
        const out = await restoreBackup(dataDir, resolve(file), join(resourcesDir(), 'migrations'));
        print(cmd, out, () =>
          [
            `Restored ${resolve(file)} into ${out.restored}.`,
            out.safetyBackup ? `The previous database was saved as ${out.safetyBackup} (undo with: baton restore "${out.safetyBackup}").` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      } finally {
        release();
      }
    });
}
