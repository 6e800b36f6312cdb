/**
 * The pieces of docs/server.md's recipe that the deploy tests run for real:
 * `baton serve` started as resources/deploy/baton.service starts it, Debian's
 * nginx running resources/deploy/nginx.conf, and a local ACME server (Let's
 * Encrypt's test server, pebble, with its DNS stand-in) for certbot and Caddy.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import { createServer, type AddressInfo, type LookupFunction } from 'node:net';
import { join, resolve } from 'node:path';
import type { BuiltApp } from './built-app';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const UNIT = join(ROOT, 'resources', 'deploy', 'baton.service');
export const SITE = join(ROOT, 'resources', 'deploy', 'nginx.conf');
export const CADDYFILE = join(ROOT, 'resources', 'deploy', 'Caddyfile');
export const NGINX = '/usr/sbin/nginx';
/** The proxy's public name in the tests (the recipe's baton.example.com). */
export const NAME = 'baton.test';

/** A systemd unit as sections of keys, each key with every value it was given (in order). */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[([A-Za-z]+)\]$/.exec(line);
    if (head) {
      current = new Map();
      sections.set(head[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`line ${i + 1} is not "Key=value" inside a [Section]: ${raw}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  }
  return sections;
}

export async function until<T>(probe: () => T | Promise<T>, what: string, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

/** NAME resolves to this machine (no DNS here); any other name is a test bug. */
export const lookupName = ((hostname: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
  if (hostname !== NAME) throw new Error(`unexpected host ${hostname}`);
  if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

/** Stop every child (SIGTERM) and wait for each to exit, newest first. */
export async function stopChildren(children: ChildProcess[]): Promise<void> {
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.on('exit', r));
    c.kill('SIGTERM');
    await gone;
  }
  children.length = 0;
}

/** `baton serve` as the unit starts it: its ExecStart and Environment, with the test's paths, port 0 and NAME. */
export async function serveAsUnit(
  app: BuiltApp,
  children: ChildProcess[],
  o: { data: string; keyfile: string; extraArgs?: string[]; extraEnv?: Record<string, string> },
): Promise<{ child: ChildProcess; port: number; token: string }> {
  const service = parseUnit(readFileSync(UNIT, 'utf8')).get('Service')!;
  const [exe, script, ...args] = service.get('ExecStart')![0]!.split(/\s+/);
  if (exe !== '/usr/bin/node' || script !== `${service.get('WorkingDirectory')![0]}/bin/baton.js`) throw new Error(`unexpected ExecStart in ${UNIT}`);
  const argv = [app.bin, '--json', ...args.map((a) => (a === '4717' ? '0' : a.replace('baton.example.com', NAME))), ...(o.extraArgs ?? [])];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  for (const line of service.get('Environment') ?? []) {
    const [k, ...v] = line.split('=');
    env[k!] = v.join('=').replace('/var/lib/baton', o.data).replace('/etc/baton/secrets.key', o.keyfile);
  }
  const child = spawn(process.execPath, argv, { cwd: app.dir, env: { ...env, ...o.extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const started = await new Promise<{ url: string }>((ok, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) ok(JSON.parse(line) as { url: string });
    });
    child.on('exit', (code) => fail(new Error(`baton serve exited ${code}: ${err}`)));
  });
  return { child, port: Number(new URL(started.url).port), token: readFileSync(join(o.data, 'server-token'), 'utf8').trim() };
}

/** A fresh data folder with its secrets key file, made as the unit's comment says. */
export function unitDataFolder(app: BuiltApp, dir: string, name: string): { data: string; keyfile: string } {
  const keyfile = join(dir, `${name}-etc`, 'secrets.key');
  mkdirSync(join(dir, `${name}-etc`), { mode: 0o700 });
  const data = join(dir, `${name}-var-lib-baton`);
  const made = spawnSync(process.execPath, [app.bin, 'secrets', 'keyfile', keyfile], { cwd: app.dir, env: { ...process.env, BATON_DATA_DIR: data }, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`secrets keyfile failed: ${made.stderr}`);
  return { data, keyfile };
}

/** As root (a container), proxies run as nobody: they need no privilege for these ports and files. */
function unprivileged(paths: string[]): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
  const own = (p: string) => {
    chownSync(p, uid, gid);
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const f = join(p, e.name);
      if (e.isDirectory()) own(f);
      else if (!e.isSymbolicLink()) chownSync(f, uid, gid);
    }
  };
  for (const p of paths) own(p);
  return { uid, gid };
}

export interface Nginx {
  child: ChildProcess;
  /** SIGHUP: re-read the configuration and the certificate files, as `systemctl reload nginx`. */
  reload(): void;
  log(): string;
}

/**
 * resources/deploy/nginx.conf as shipped, in a minimal main config of its own, with only
 * the certificate paths, the ACME folder, the ports and the name substituted.
 */
export async function startNginx(
  children: ChildProcess[],
  o: {
    dir: string;
    cert: string;
    key: string;
    acmeRoot: string;
    httpPort: number;
    tlsPort: number;
    backendPort: number;
    /** Run as nobody (these files given to it); or, when null, as a packaged nginx runs: the master as root (it reads root's 0600 keys), the workers unprivileged. */
    own: string[] | null;
  },
): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get install nginx (.ci/run installs it)`);
  const ngx = join(o.dir, 'nginx');
  mkdirSync(join(ngx, 'tmp'), { recursive: true });
  const site = readFileSync(SITE, 'utf8')
    .replace('/etc/letsencrypt/live/baton.example.com/fullchain.pem', o.cert)
    .replace('/etc/letsencrypt/live/baton.example.com/privkey.pem', o.key)
    .replace('root /var/www/letsencrypt;', `root ${o.acmeRoot};`)
    .replace(/^\s*listen \[::\]:(80|443)[^;]*;\n/gm, '')
    .replace(/listen 80;/, `listen 127.0.0.1:${o.httpPort};`)
    .replace(/listen 443 /, `listen 127.0.0.1:${o.tlsPort} `)
    .replace('proxy_pass http://127.0.0.1:4717;', `proxy_pass http://127.0.0.1:${o.backendPort};`)
    .replaceAll('baton.example.com', NAME);
  if (/4717|\/etc\/letsencrypt|\/var\/www|example\.com|listen 80;|listen 443 /.test(site.replace(/#.*$/gm, ''))) throw new Error('a shipped path or port was left in the nginx site');
  writeFileSync(join(ngx, 'site.conf'), site);
  const t = (n: string) => join(ngx, 'tmp', n);
  writeFileSync(
    join(ngx, 'nginx.conf'),
    [
      `pid ${join(ngx, 'nginx.pid')};`,
      `error_log ${join(ngx, 'error.log')} warn;`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${join(ngx, 'access.log')};`,
      `  client_body_temp_path ${t('body')}; proxy_temp_path ${t('proxy')}; fastcgi_temp_path ${t('fastcgi')}; uwsgi_temp_path ${t('uwsgi')}; scgi_temp_path ${t('scgi')};`,
      `  include ${join(ngx, 'site.conf')};`,
      '}',
    ].join('\n'),
  );
  const ids = o.own ? unprivileged([ngx, ...o.own]) : {};
  const args = ['-p', `${ngx}/`, '-e', join(ngx, 'error.log'), '-c', join(ngx, 'nginx.conf')];
  const test = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8', ...ids });
  if (test.status !== 0) throw new Error(`nginx -t: ${test.stderr}`);
  const child = spawn(NGINX, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'], ...ids });
  children.push(child);
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const errorLog = () => `${log}${existsSync(join(ngx, 'error.log')) ? readFileSync(join(ngx, 'error.log'), 'utf8') : ''}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${errorLog()}`);
    return existsSync(join(ngx, 'nginx.pid'));
  }, 'nginx to start');
  return { child, reload: () => child.kill('SIGHUP'), log: errorLog };
}

export interface Acme {
  /** The ACME directory URL (what `certbot --server` and Caddy's `acme_ca` take). */
  directory: string;
  /** The CA of the ACME server's own https endpoint (REQUESTS_CA_BUNDLE for certbot, acme_ca_root for Caddy). */
  apiCa: string;
  /** The root that signs the certificates it issues (what a client trusts, as it trusts Let's Encrypt's). */
  issuingRoot(): Promise<string>;
}

/**
 * pebble, Let's Encrypt's ACME test server, with real HTTP-01 and TLS-ALPN-01 validation:
 * NAME resolves to 127.0.0.1 through pebble-challtestsrv's DNS, and pebble checks the
 * challenge on httpPort / tlsPort of this machine (the ports the proxy's 80 and 443 stand for).
 */
export async function startAcme(children: ChildProcess[], o: { dir: string; httpPort: number; tlsPort: number }): Promise<Acme> {
  for (const bin of ['pebble', 'pebble-challtestsrv']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${bin} is missing: apt-get install pebble (.ci/run installs it)`);
  }
  const dir = join(o.dir, 'acme');
  mkdirSync(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=acme test api CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', f('key.pem'), '-out', f('req.csr')]);
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl(['x509', '-req', '-in', f('req.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('cert.pem')]);
  const [api, mgmt, dns, dnsMgmt] = [await freePort(), await freePort(), await freePort(), await freePort()];
  writeFileSync(
    f('pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${api}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: f('cert.pem'),
        privateKey: f('key.pem'),
        httpPort: o.httpPort,
        tlsPort: o.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  // Logs to a file, not a pipe: a test blocked in spawnSync (certbot) must not stall them on a full pipe.
  const logFile = f('acme.log');
  const run = (bin: string, args: string[], env: Record<string, string> = {}) => {
    const fd = openSync(logFile, 'a');
    const c = spawn(bin, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    children.push(c);
    return c;
  };
  const log = () => readFileSync(logFile, 'utf8');
  run('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmt}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '']);
  // No random delays, no rejected nonces: the same run every time (validation stays real).
  const pebble = run('pebble', ['-config', f('pebble.json'), '-dnsserver', `127.0.0.1:${dns}`], { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' });
  const apiCa = readFileSync(f('ca.pem'), 'utf8');
  const get = (port: number, path: string) =>
    new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path, ca: apiCa, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', fail);
      req.end();
    });
  await until(async () => {
    if (pebble.exitCode !== null) throw new Error(`pebble exited: ${log()}`);
    return get(api, '/dir').then((r) => r.status === 200, () => false);
  }, 'the ACME server to answer');
  return {
    directory: `https://localhost:${api}/dir`,
    apiCa: f('ca.pem'),
    issuingRoot: async () => {
      const r = await get(mgmt, '/roots/0');
      if (r.status !== 200) throw new Error(`pebble /roots/0: ${r.status}`);
      return r.body;
    },
  };
}

/** An HTTP answer read whole. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Requests to the reverse proxy over https as a client on the internet makes them (SNI and Host
 * NAME, the test's CA in `agent`), and the API of the Baton behind it with its token by default.
 * `conn` is read at each request (the tests learn the ports and token in beforeAll).
 */
export function proxyClient(conn: () => { tlsPort: number; agent: Agent; token: string }) {
  function viaProxy(path: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
    const { tlsPort, agent } = conn();
    return new Promise((ok, fail) => {
      const req = httpsRequest({ host: NAME, servername: NAME, port: tlsPort, path, method: o.method ?? 'GET', agent, headers: o.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', fail);
      req.end(o.body);
    });
  }
  const api = (op: string, input: unknown, headers: Record<string, string> = { authorization: `Bearer ${conn().token}` }) =>
    viaProxy(`/api/v1/${op}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input) });
  return { viaProxy, api };
}

/** A plain-http GET of `path` on the proxy's http port with Host NAME (what a redirect to https answers). */
export function plainHttpGet(port: number, path: string): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: NAME } }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
    });
    req.on('error', fail);
    req.end();
  });
}
