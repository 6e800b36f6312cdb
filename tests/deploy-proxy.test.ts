/**
 * The server recipe of docs/server.md, run for real: resources/deploy/nginx.conf
 * in Debian's nginx (only ports, certificate and temp paths substituted) with a
 * self-signed certificate, in front of the built `baton serve` started with the
 * arguments and environment of resources/deploy/baton.service. Over https
 * through the proxy: the API with and without the token, Host and Origin
 * checks, the event WebSocket, a public form post, the body limit, the
 * X-Forwarded-For the proxy sets, and a second `baton serve` attaching its
 * window to the proxied server (Settings > Connections). The unit file is
 * checked with `systemd-analyze verify`.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltApp, type BuiltApp } from './support/built-app';
import { freePort, lookupName, NAME, parseUnit, plainHttpGet, proxyClient, ROOT, serveAsUnit as serve, SITE, startNginx, stopChildren, UNIT, until, type Answer } from './support/deploy';
import { tempDir } from './helpers';

describe('docs/server.md recipe: baton.service behind resources/deploy/nginx.conf (real nginx, TLS)', () => {
  let app: BuiltApp;
  let tmp: { dir: string; cleanup: () => void };
  let ca: string;
  let agent: Agent;
  const children: ChildProcess[] = [];
  let batonPort = 0;
  let tlsPort = 0;
  let httpPort = 0;
  let token = '';
  let unit: Map<string, Map<string, string[]>>;

  const { viaProxy, api } = proxyClient(() => ({ tlsPort, agent, token }));

  /** The loopback API of a `baton serve` (what `npx baton …` on the server itself reaches). */
  function local(port: number, tok: string, op: string, input: unknown): Promise<{ status: number; json: { result?: unknown; error?: { message: string } } }> {
    return new Promise((ok, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/v1/${op}`, method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, json: JSON.parse(body) as { result?: unknown } }));
      });
      req.on('error', fail);
      req.end(JSON.stringify(input));
    });
  }

  const serveAsUnit = (data: string, keyfile: string, extraArgs: string[], extraEnv: Record<string, string>) => serve(app, children, { data, keyfile, extraArgs, extraEnv });

  beforeAll(async () => {
    app = copyBuiltApp('deploy-proxy');
    tmp = tempDir('baton-deploy-');
    unit = parseUnit(readFileSync(UNIT, 'utf8'));

    // A self-signed certificate for the proxy's names (what certbot gives in the recipe).
    const cert = join(tmp.dir, 'fullchain.pem');
    const key = join(tmp.dir, 'privkey.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${NAME}`,
      '-addext', `subjectAltName=DNS:${NAME},DNS:localhost`, '-keyout', key, '-out', cert], { stdio: 'pipe' });
    ca = readFileSync(cert, 'utf8');
    agent = new Agent({ ca, lookup: lookupName, keepAlive: false });

    // The web UI too (copyBuiltApp takes the CLI only), copied under the build lock.
    execFileSync('flock', ['/tmp/baton-build.lock', 'cp', '-R', join(ROOT, 'out', 'renderer'), join(app.dir, 'out', 'renderer')]);

    // The key file of the encrypted secrets file, made as the unit's comment says.
    const keyfile = join(tmp.dir, 'etc', 'secrets.key');
    mkdirSync(join(tmp.dir, 'etc'), { mode: 0o700 });
    const data = join(tmp.dir, 'var-lib-baton');
    const made = spawnSync(process.execPath, [app.bin, 'secrets', 'keyfile', keyfile], { cwd: app.dir, env: { ...process.env, BATON_DATA_DIR: data }, encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);

    // Baton as the unit runs it (plus `localhost` for the window's attach below: no DNS for NAME in a child).
    const remote = await serveAsUnit(data, keyfile, ['--allow-host', 'localhost'], {});
    batonPort = remote.port;
    token = remote.token;

    // nginx: the site file as shipped, in a minimal main config of its own, unprivileged.
    tlsPort = await freePort();
    httpPort = await freePort();
    const acme = join(tmp.dir, 'acme');
    mkdirSync(acme);
    const nginx = await startNginx(children, { dir: tmp.dir, cert, key, acmeRoot: acme, httpPort, tlsPort, backendPort: batonPort, own: [tmp.dir] });
    await until(async () => {
      if (nginx.child.exitCode !== null) throw new Error(`nginx exited: ${nginx.log()}`);
      return viaProxy('/api/v1/system.info', { method: 'POST' }).then((r) => r.status === 401, () => false);
    }, 'nginx to answer on its TLS port');

    // The public address, as Settings > Server and public address sets it.
    const set = await local(batonPort, token, 'settings.set', { key: 'server.publicUrl', value: `https://${NAME}:${tlsPort}` });
    expect(set.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await stopChildren(children);
    agent?.destroy();
    tmp?.cleanup();
    app?.remove();
  }, 30_000);

  it('systemd-analyze verify accepts baton.service (and reports a misspelled key, so the check can fail)', () => {
    const service = unit.get('Service')!;
    expect(service.get('Restart')).toEqual(['on-failure']);
    expect(service.get('NoNewPrivileges')).toEqual(['yes']);
    expect(service.get('ProtectSystem')).toEqual(['strict']);
    expect(service.get('ReadWritePaths')).toEqual(['/var/lib/baton']);
    expect(service.get('Environment')).toContain('BATON_DATA_DIR=/var/lib/baton');
    const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
    if (analyze.status !== 0) return; // no systemd tools here: the parser above checked the keys.
    const verify = (text: string) => {
      const f = join(tmp.dir, 'baton.service');
      writeFileSync(f, text);
      return spawnSync('systemd-analyze', ['verify', f], { encoding: 'utf8' });
    };
    const good = verify(readFileSync(UNIT, 'utf8'));
    expect(good.status, good.stderr).toBe(0);
    expect(good.stderr.trim()).toBe('');
    const bad = verify(readFileSync(UNIT, 'utf8').replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
    expect(bad.stderr).toMatch(/Unknown key .NoNewPrivilege/);
  });

  it('docs/server.md quotes both files whole, as shipped', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'server.md'), 'utf8');
    const blocks = [...doc.matchAll(/^ {3}```(ini|nginx)\n([\s\S]*?)^ {3}```$/gm)].map((m) => m[2]!.replace(/^ {3}/gm, ''));
    expect(blocks).toEqual([readFileSync(UNIT, 'utf8'), readFileSync(SITE, 'utf8')]);
  });

  it('plain http on the proxy only redirects to https', async () => {
    const r = await plainHttpGet(httpPort, '/api/v1/system.info?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://${NAME}/api/v1/system.info?x=1`);
  });

  it('the API answers over https with the token, and refuses without it, for another Host, or from another site', async () => {
    const ok = await api('system.info', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).result.host).toBe('server');
    expect(ok.headers['strict-transport-security']).toBe('max-age=31536000');
    const none = await api('system.info', {}, {});
    expect(none.status).toBe(401);
    expect(none.body).not.toContain(token);
    expect((await api('system.info', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    // nginx passes any Host on: Baton's own check still refuses a name it was not given.
    expect((await api('system.info', {}, { authorization: `Bearer ${token}`, host: 'evil.example' })).status).toBe(403);
    // The public address's origin is this server's; another site's is not.
    expect((await api('system.info', {}, { authorization: `Bearer ${token}`, origin: `https://${NAME}:${tlsPort}` })).status).toBe(200);
    expect((await api('system.info', {}, { authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status).toBe(403);
  });

  it('the event WebSocket connects through the proxy (wss) and receives events; a wrong token is refused', async () => {
    const ws = new WebSocket(`wss://${NAME}:${tlsPort}/api/v1/events`, [`baton.${token}`], { ca, lookup: lookupName });
    const messages: { event: string; payload: unknown }[] = [];
    ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString()) as { event: string; payload: unknown }));
    await new Promise((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
    expect(ws.protocol).toBe(`baton.${token}`);
    expect((await api('settings.set', { key: 'ai.model', value: 'claude-through-nginx' })).status).toBe(200);
    await until(() => messages.some((m) => m.event === 'settings.changed' && JSON.stringify(m.payload).includes('ai.model')), 'settings.changed through the proxy');
    ws.close();

    const refused = new WebSocket(`wss://${NAME}:${tlsPort}/api/v1/events`, ['baton.wrong'], { ca, lookup: lookupName });
    const status = await new Promise<number>((ok) => {
      refused.once('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
      refused.once('open', () => ok(101));
      refused.once('error', () => undefined);
    });
    expect(status).toBe(401);
    refused.terminate();
  });

  it('a public form post works through the proxy, and a visitor cannot pick its rate-limit address with X-Forwarded-For', async () => {
    expect((await api('forms.save', { slug: 'desk', name: 'Desk', fields: { email: 'email' }, tags: [] })).status).toBe(200);
    const post = (i: number) =>
      viaProxy('/hooks/forms/desk', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://site.example', 'x-forwarded-for': `203.0.113.${i}` },
        body: JSON.stringify({ email: `lead${i}@example.com` }),
      });
    const first = await post(0);
    expect(first.status, first.body).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ ok: true });
    const found = await api('contacts.list', { search: 'lead0@example.com' });
    expect(JSON.parse(found.body).result.total).toBe(1);
    // 5 at once (10 a minute) per address: nginx replaces the visitor's X-Forwarded-For with the
    // address it saw, so the posts after the fifth are refused whatever address each one claims
    // (were the claimed addresses believed, each would have a full bucket of its own).
    const rest: Answer[] = [];
    for (let i = 1; i < 8; i++) rest.push(await post(i));
    expect(rest.slice(0, 4).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const refused = rest.find((r) => r.status === 429);
    expect(refused, rest.map((r) => r.status).join(' ')).toBeDefined();
    expect(JSON.parse(refused!.body).error.message).toContain('from your address');
  });

  it("the proxy's body limit is Baton's: 1 MiB passes, one byte more is refused", async () => {
    const mib = 1024 * 1024;
    const fits = await viaProxy('/api/v1/system.info', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' + ' '.repeat(mib - 2) });
    expect(fits.status, fits.body.slice(0, 200)).toBe(200);
    const over = await viaProxy('/api/v1/system.info', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' + ' '.repeat(mib - 1) });
    expect(over.status).toBe(413);
  });

  it('the web UI opens in Chromium over https through the proxy: its API calls pass the Origin check and its event socket is wss', async () => {
    const chromiumPath = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
    // Trust exactly the test certificate (by its public key), as a browser trusts Let's Encrypt's.
    const spki = execFileSync('sh', ['-c', 'openssl x509 -pubkey -noout -in "$1" | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64', 'sh', join(tmp.dir, 'fullchain.pem')]).toString().trim();
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--host-resolver-rules=MAP ${NAME} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spki}`],
    });
    try {
      const page = await browser.newPage();
      // What TLS behind a proxy could break: a CSP refusal, mixed content, a blocked socket.
      const problems: string[] = [];
      page.on('console', (m) => /refused|mixed content|blocked|websocket/i.test(m.text()) && problems.push(m.text()));
      const apiAnswers: number[] = [];
      page.on('response', (r) => r.url().includes('/api/v1/') && apiAnswers.push(r.status()));
      const frames: string[] = [];
      const socket = page.waitForEvent('websocket');
      await page.goto(`https://${NAME}:${tlsPort}/#token=${token}`);
      const ws = await socket;
      ws.on('framereceived', (f) => frames.push(String(f.payload)));
      expect(ws.url()).toBe(`wss://${NAME}:${tlsPort}/api/v1/events`);
      await until(() => apiAnswers.length > 0, 'the UI to call the API');
      expect((await api('settings.set', { key: 'ai.model', value: 'claude-seen-in-browser' })).status).toBe(200);
      await until(() => frames.some((f) => f.includes('settings.changed')), 'an event in the browser');
      expect(apiAnswers.filter((s) => s !== 200), apiAnswers.join(' ')).toEqual([]);
      expect(problems).toEqual([]);
      expect(ws.isClosed()).toBe(false);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("a desktop host's window attaches to the proxied server over https (Settings > Connections) and shows its data and events", async () => {
    const data = join(tmp.dir, 'laptop');
    const keyfile = join(tmp.dir, 'laptop.key');
    expect(spawnSync(process.execPath, [app.bin, 'secrets', 'keyfile', keyfile], { cwd: app.dir, env: { ...process.env, BATON_DATA_DIR: data }, encoding: 'utf8' }).status).toBe(0);
    // The laptop trusts the test CA the way a machine trusts Let's Encrypt's.
    const laptop = await serveAsUnit(data, keyfile, [], { NODE_EXTRA_CA_CERTS: join(tmp.dir, 'fullchain.pem') });
    expect((await api('settings.set', { key: 'ai.model', value: 'claude-through-nginx' })).status).toBe(200);
    const attached = await local(laptop.port, laptop.token, 'connection.attach', { url: `https://localhost:${tlsPort}`, token });
    expect(attached.status, JSON.stringify(attached.json)).toBe(200);
    expect(attached.json.result).toMatchObject({ mode: 'remote', url: `https://localhost:${tlsPort}` });
    // Operations go to the server behind nginx.
    const model = await local(laptop.port, laptop.token, 'settings.get', {});
    expect(model.status, JSON.stringify(model.json)).toBe(200);
    expect((model.json.result as { settings: Record<string, unknown> }).settings['ai.model']).toBe('claude-through-nginx');
    // And its events come back through nginx's WebSocket to the laptop's window.
    const ws = new WebSocket(`ws://127.0.0.1:${laptop.port}/api/v1/events`, [`baton.${laptop.token}`]);
    const messages: string[] = [];
    ws.on('message', (m: Buffer) => messages.push(m.toString()));
    await new Promise((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
    await until(async () => JSON.stringify((await local(laptop.port, laptop.token, 'connection.get', {})).json.result).includes('"state":"connected"'), 'the link to connect');
    expect((await api('settings.set', { key: 'ai.model', value: 'claude-set-on-server' })).status).toBe(200);
    await until(() => messages.some((m) => m.includes('settings.changed') && m.includes('ai.model')), 'the server event relayed to the laptop');
    const after = await local(laptop.port, laptop.token, 'settings.get', {});
    expect((after.json.result as { settings: Record<string, unknown> }).settings['ai.model']).toBe('claude-set-on-server');
    ws.close();
  });
});
