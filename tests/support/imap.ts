/**
 * A real IMAP server for tests: Debian's dovecot (apt: dovecot-imapd) run as
 * the test's own process (-F) with a config in a temp dir, a passwd-file user,
 * a maildir in the temp dir, listening on 127.0.0.1 on a free port, no TLS.
 * Messages are delivered with IMAP APPEND (imapflow).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

export const DOVECOT = '/usr/sbin/dovecot';
export const hasDovecot = (): boolean => existsSync(DOVECOT);

export interface TestImap {
  host: string;
  port: number;
  user: string;
  password: string;
  append(raw: string, mailbox?: string): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, ms: number, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dovecot did not listen on ${port}: ${log()}`);
}

function idOf(name: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startImap(): Promise<TestImap> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-imap-'));
  const port = await freePort();
  const user = 'inbox';
  const password = ['imap', 'pw', String(process.pid)].join('-');
  const me = userInfo();
  const root = me.uid === 0;
  // As root: dovecot refuses mail uid 0; mail as "dovecot", logins as "dovenull" (created by the package).
  const mailId = root ? (idOf('dovecot') ?? { uid: 65534, gid: 65534 }) : { uid: me.uid, gid: me.gid };
  const internalUser = root ? 'dovecot' : me.username;
  const loginUser = root ? 'dovenull' : me.username;
  const home = join(dir, 'home');
  mkdirSync(join(home, user), { recursive: true });
  mkdirSync(join(dir, 'run'));
  if (root) {
    chownSync(dir, 0, mailId.gid);
    chmodSync(dir, 0o750);
    for (const p of [home, join(home, user)]) chownSync(p, mailId.uid, mailId.gid);
  }
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}:${mailId.uid}:${mailId.gid}::${join(home, user)}::\n`, { mode: 0o640 });
  if (root) chownSync(join(dir, 'passwd'), 0, mailId.gid);
  const conf = `
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
instance_name = baton-test-${port}
log_path = ${join(dir, 'dovecot.log')}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internalUser}
default_internal_group = ${root ? 'dovecot' : (me.username)}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mailId.uid, 1)}
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(dir, 'passwd')}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${join(dir, 'passwd')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`;
  writeFileSync(join(dir, 'dovecot.conf'), conf);
  if (!root) writeFileSync(join(dir, 'dovecot.conf'), conf.replace(/^default_internal_group.*$/m, `default_internal_group = ${groupName(me.gid)}`));
  const proc: ChildProcess = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const log = () => out + (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '');
  await waitForPort(port, 10_000, log);
  const client = () => new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false });
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    async append(raw, mailbox = 'INBOX') {
      const c = client();
      await c.connect();
      try {
        await c.append(mailbox, raw.replace(/\r?\n/g, '\r\n'));
      } catch (e) {
        const r = e as Error & { responseText?: string };
        throw new Error(`IMAP APPEND failed: ${r.message} ${r.responseText ?? ''}\n${log().slice(-2000)}`);
      } finally {
        await c.logout();
      }
    },
    async close() {
      await new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[2] === String(gid));
  return line ? (line.split(':')[0] as string) : String(gid);
}
