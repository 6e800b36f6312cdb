/**
 * The certificate steps of docs/server.md's server recipe, run for real against
 * a local ACME server (pebble, Let's Encrypt's test server, which validates the
 * challenges on this machine's ports through its own DNS stand-in):
 *
 * - step 5, certbot in standalone mode with the nginx stop/start hooks, and
 *   the webroot alternative validated through nginx's ACME location;
 * - step 6, nginx serving certbot's files from the live/ paths of nginx.conf;
 * - Caddy instead of nginx: resources/deploy/Caddyfile as shipped gets its own
 *   certificate and fronts the built `baton serve` started as baton.service
 *   starts it (API, Host check, event socket, form rate limit, body limit).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect } from 'node:tls';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltApp, type BuiltApp } from './support/built-app';
import { CADDYFILE, freePort, lookupName, NAME, plainHttpGet, proxyClient, ROOT, serveAsUnit, startAcme, startNginx, stopChildren, unitDataFolder, until, type Acme } from './support/deploy';
import { tempDir } from './helpers';

/** docs/server.md step 5, as written there (the test swaps the hooks' systemctl for a log and adds where the ACME server and files are). */
const CERTBOT_STEP = `sudo certbot certonly --standalone -d baton.example.com \\
     --pre-hook 'systemctl stop nginx' --post-hook 'systemctl start nginx'`;

describe('docs/server.md certificates: certbot and Caddy against a local ACME server, in front of the built baton serve', () => {
  let app: BuiltApp;
  let tmp: { dir: string; cleanup: () => void };
  let acme: Acme;
  let root = '';
  let agent: Agent;
  const children: ChildProcess[] = [];
  let httpPort = 0;
  let tlsPort = 0;
  let batonPort = 0;
  let token = '';
  let le = '';
  let hooks = '';

  const { viaProxy, api } = proxyClient(() => ({ tlsPort, agent, token }));

  /** The serial of the certificate the proxy presents for NAME, verified against the ACME server's root. */
  function servedSerial(): Promise<string> {
    return new Promise((ok, fail) => {
      const s = connect({ host: '127.0.0.1', port: tlsPort, servername: NAME, ca: root }, () => {
        const serial = s.getPeerCertificate().serialNumber;
        s.end();
        ok(serial);
      });
      s.on('error', fail);
    });
  }

  /** certbot with its files in the test folder, talking to the local ACME server (which it trusts through REQUESTS_CA_BUNDLE). */
  function certbot(args: string[]): Promise<{ status: number | null; out: string }> {
    const argv = [...args, '--server', acme.directory, '--config-dir', le, '--work-dir', join(tmp.dir, 'le-work'), '--logs-dir', join(tmp.dir, 'le-logs'), '--http-01-port', String(httpPort), '--non-interactive', '--agree-tos', '--register-unsafely-without-email'];
    // Not spawnSync: this process serves nothing certbot needs, but the proxies' pipes must keep draining.
    const c = spawn('certbot', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REQUESTS_CA_BUNDLE: acme.apiCa } });
    children.push(c);
    let out = '';
    c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    return new Promise((ok) => c.on('close', (status) => ok({ status, out })));
  }

  beforeAll(async () => {
    for (const bin of ['certbot', 'caddy']) {
      if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${bin} is missing: apt-get install ${bin} (.ci/run installs it)`);
    }
    app = copyBuiltApp('deploy-acme');
    tmp = tempDir('baton-acme-');
    // A packaged nginx's workers are unprivileged: they must reach the ACME folder.
    chmodSync(tmp.dir, 0o755);
    le = join(tmp.dir, 'letsencrypt');
    hooks = join(tmp.dir, 'hooks.log');
    // The ports that stand for the server's 80 and 443: the ACME server validates there.
    httpPort = await freePort();
    tlsPort = await freePort();
    acme = await startAcme(children, { dir: tmp.dir, httpPort, tlsPort });
    root = await acme.issuingRoot();
    agent = new Agent({ ca: root, lookup: lookupName, keepAlive: false });
    const folder = unitDataFolder(app, tmp.dir, 'server');
    const baton = await serveAsUnit(app, children, folder);
    batonPort = baton.port;
    token = baton.token;
  }, 180_000);

  afterAll(async () => {
    await stopChildren(children);
    agent?.destroy();
    tmp?.cleanup();
    app?.remove();
  }, 30_000);

  it('step 5: certbot standalone gets the certificate (the ACME server validates HTTP-01 on port "80") and runs the nginx stop/start hooks around it', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'server.md'), 'utf8');
    expect(doc).toContain(CERTBOT_STEP);
    const r = await certbot(['certonly', '--standalone', '-d', NAME, '--pre-hook', `echo stop nginx >> ${hooks}`, '--post-hook', `echo start nginx >> ${hooks}`]);
    expect(r.status, r.out).toBe(0);
    // The paths nginx.conf names, under this test's /etc/letsencrypt.
    const live = join(le, 'live', NAME);
    expect(existsSync(join(live, 'fullchain.pem')) && existsSync(join(live, 'privkey.pem'))).toBe(true);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(live, 'fullchain.pem')]).toString();
    expect(text).toContain(`DNS:${NAME}`);
    writeFileSync(join(tmp.dir, 'root.pem'), root);
    const verify = spawnSync('openssl', ['verify', '-CAfile', join(tmp.dir, 'root.pem'), '-untrusted', join(live, 'chain.pem'), join(live, 'cert.pem')], { encoding: 'utf8' });
    expect(verify.stdout, verify.stderr).toContain(': OK');
    expect(readFileSync(hooks, 'utf8')).toBe('stop nginx\nstart nginx\n');
    // A renewal (what certbot's timer runs) stops and starts nginx again.
    // (As the timer runs it, minus the timer's random wait of up to 8 minutes.)
    const renew = await certbot(['renew', '--force-renewal', '--no-random-sleep-on-renew']);
    expect(renew.status, renew.out).toBe(0);
    expect(readFileSync(hooks, 'utf8')).toBe('stop nginx\nstart nginx\n'.repeat(2));
  }, 300_000);

  it("step 6: nginx serves certbot's certificate from nginx.conf's live/ paths; a webroot renewal validates through nginx's ACME location and a reload serves the new one", async () => {
    const live = join(le, 'live', NAME);
    const webroot = join(tmp.dir, 'www-letsencrypt');
    mkdirSync(webroot, { mode: 0o755 });
    const nginx = await startNginx(children, { dir: tmp.dir, cert: join(live, 'fullchain.pem'), key: join(live, 'privkey.pem'), acmeRoot: webroot, httpPort, tlsPort, backendPort: batonPort, own: null });
    try {
      await until(() => viaProxy('/api/v1/system.info', { method: 'POST' }).then((r) => r.status === 401, () => false), 'nginx to answer with the certificate');
      const ok = await api('system.info', {});
      expect(ok.status).toBe(200);
      const before = await servedSerial();

      const r = await certbot(['certonly', '--webroot', '-w', webroot, '-d', NAME, '--force-renewal']);
      expect(r.status, r.out).toBe(0);
      // The ACME server fetched the token through nginx (not a standalone certbot).
      const access = readFileSync(join(tmp.dir, 'nginx', 'access.log'), 'utf8');
      expect(access).toMatch(/GET \/\.well-known\/acme-challenge\/[\w-]+ HTTP\/1\.1" 200/);
      nginx.reload();
      await until(async () => (await servedSerial().catch(() => before)) !== before, 'nginx to serve the renewed certificate');
      expect((await api('system.info', {})).status).toBe(200);
    } finally {
      const gone = new Promise((ok) => nginx.child.on('exit', ok));
      nginx.child.kill('SIGTERM');
      await gone;
    }
  }, 300_000);

  describe('Caddy with resources/deploy/Caddyfile as shipped', () => {
    let caddyLog = '';
    let caddy: ChildProcess;

    beforeAll(async () => {
      const dir = join(tmp.dir, 'caddy');
      mkdirSync(dir);
      // Only the name and the port replaced, and global options saying where the ACME server and the ports are.
      const site = readFileSync(CADDYFILE, 'utf8').replaceAll('baton.example.com', NAME).replace('127.0.0.1:4717', `127.0.0.1:${batonPort}`);
      const global = [
        '{',
        `\tacme_ca ${acme.directory}`,
        `\tacme_ca_root ${acme.apiCa}`,
        `\thttp_port ${httpPort}`,
        `\thttps_port ${tlsPort}`,
        `\tstorage file_system ${join(dir, 'data')}`,
        '\tadmin off',
        '\tskip_install_trust',
        '}',
        '',
      ].join('\n');
      writeFileSync(join(dir, 'Caddyfile'), global + site);
      caddy = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      });
      children.push(caddy);
      caddy.stderr!.on('data', (c: Buffer) => (caddyLog += c.toString()));
      let last = '';
      await until(async () => {
        if (caddy.exitCode !== null) throw new Error(`caddy exited: ${caddyLog}`);
        return viaProxy('/api/v1/system.info', { method: 'POST' }).then(
          (r) => ((last = `${r.status} ${r.body.slice(0, 200)}`), r.status === 401),
          (e: Error) => ((last = e.message), false),
        );
      }, 'Caddy to get its certificate and answer', 90_000).catch((e: Error) => {
        throw new Error(`${e.message} (last: ${last}); Caddy's log:\n${caddyLog.slice(-4000)}`);
      });
    }, 120_000);

    it('gets its own certificate from the ACME server (no certbot) and redirects plain http to https', async () => {
      expect(caddyLog).toContain('certificate obtained successfully');
      await servedSerial();
      const r = await plainHttpGet(httpPort, '/api/v1/system.info?x=1');
      expect(r.status).toBe(308);
      expect(r.headers.location).toBe(`https://${NAME}/api/v1/system.info?x=1`);
    });

    it('the API answers over https with the token and refuses without it or for another Host', async () => {
      const ok = await api('system.info', {});
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).result.host).toBe('server');
      expect(ok.headers['strict-transport-security']).toBe('max-age=31536000');
      expect((await api('system.info', {}, {})).status).toBe(401);
      // Caddy proxies only its site's name: another Host never reaches Baton.
      const other = await api('system.info', {}, { authorization: `Bearer ${token}`, host: 'evil.example' });
      expect(other.body).not.toContain('"result"');
    });

    it('the event WebSocket connects through Caddy (wss) and receives events', async () => {
      const ws = new WebSocket(`wss://${NAME}:${tlsPort}/api/v1/events`, [`baton.${token}`], { ca: root, lookup: lookupName });
      const messages: string[] = [];
      ws.on('message', (m: Buffer) => messages.push(m.toString()));
      await new Promise((ok, fail) => {
        ws.once('open', ok);
        ws.once('error', fail);
      });
      expect((await api('settings.set', { key: 'ai.model', value: 'claude-through-caddy' })).status).toBe(200);
      await until(() => messages.some((m) => m.includes('settings.changed') && m.includes('ai.model')), 'settings.changed through Caddy');
      ws.close();
    });

    it('a visitor cannot pick its rate-limit address with X-Forwarded-For through Caddy', async () => {
      expect((await api('forms.save', { slug: 'desk', name: 'Desk', fields: { email: 'email' }, tags: [] })).status).toBe(200);
      const statuses: number[] = [];
      let refusal = '';
      for (let i = 0; i < 8; i++) {
        const r = await viaProxy('/hooks/forms/desk', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://site.example', 'x-forwarded-for': `203.0.113.${i}` },
          body: JSON.stringify({ email: `caddy${i}@example.com` }),
        });
        statuses.push(r.status);
        if (r.status === 429) refusal = r.body;
      }
      // 5 at once per address: were the claimed addresses believed, each would have a bucket of its own.
      expect(statuses.slice(0, 5), statuses.join(' ')).toEqual([200, 200, 200, 200, 200]);
      expect(statuses, statuses.join(' ')).toContain(429);
      expect(JSON.parse(refusal).error.message).toContain('from your address');
    });

    it("Baton's own body limit holds through Caddy: 1 MiB passes, one byte more is a 413", async () => {
      const mib = 1024 * 1024;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const fits = await viaProxy('/api/v1/system.info', { method: 'POST', headers, body: '{}' + ' '.repeat(mib - 2) });
      expect(fits.status, fits.body.slice(0, 200)).toBe(200);
      const over = await viaProxy('/api/v1/system.info', { method: 'POST', headers, body: '{}' + ' '.repeat(mib - 1) });
      expect(over.status).toBe(413);
    });

    it('docs/server.md quotes the Caddyfile whole, as shipped', () => {
      const doc = readFileSync(join(ROOT, 'docs', 'server.md'), 'utf8');
      const block = /^ {3}```caddyfile\n([\s\S]*?)^ {3}```$/m.exec(doc)?.[1]?.replace(/^ {3}/gm, '');
      expect(block).toBe(readFileSync(CADDYFILE, 'utf8'));
    });
  });
});
