/**
 * A secret echoed by a remote service is never stored nor pushed: real HTTP servers on 127.0.0.1 echo
 * the credential they received (in a 400 body, a 200 body, a response header, and later to a step that
 * sent none), the real Anthropic SDK talks to a local Messages API that echoes the x-api-key (in a 400
 * error, a 200 answer, the model name, a response header and a review), all run by real Bree workers.
 * Then every file of the data folder (database, WAL, logs, deliverables, a backup taken by the real
 * backup code), every API answer and every WebSocket push event is searched for the secrets in each of
 * their encodings: none is found, and `[secret NAME]` is where they were.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer as startBatonServe, type RunningServer } from '../../e2e/server';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore, tempDir } from '../helpers';
import { apiKeyOf, startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';

const root = resolve(__dirname, '../..');
const jobsDir = resolve(root, 'out/main/jobs');

const rand = () => Math.random().toString(36).slice(2, 12);
/** Built at run time (never a literal secret in the repo); '/', '+', '=', '~' make every encoding differ from the value. */
const newToken = () => ['echo', rand(), 'a/b+c=d~e'].join('-');

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/**
 * What must not be found anywhere: the value, URL-encoded, form-encoded, hex, and base64/base64url at
 * each byte alignment (the characters carrying the value's bits alone, so it is found inside a longer
 * encoding such as base64("Bearer " + value)). Computed here, independently of the scrubber.
 */
function encodings(v: string): Record<string, string> {
  const bytes = Buffer.from(v, 'utf8');
  const out: Record<string, string> = {
    raw: v,
    uri: encodeURIComponent(v),
    form: new URLSearchParams({ v }).toString().slice(2),
    hex: bytes.toString('hex'),
    HEX: bytes.toString('hex').toUpperCase(),
  };
  for (let k = 0; k < 3; k++) {
    const s = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = s.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    out[`base64@${k}`] = core;
    out[`base64url@${k}`] = core.replace(/\+/g, '-').replace(/\//g, '_');
  }
  return out;
}

/** Occurrences of any encoding of any secret in a text or a file's bytes. */
function findLeaks(where: string, data: Buffer | string, secrets: Record<string, string>): string[] {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const found: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    for (const [kind, form] of Object.entries(encodings(value))) if (buf.includes(form)) found.push(`${where}: ${name} (${kind})`);
  }
  return found;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface EchoServer {
  url: string;
  /** Authorization headers received. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A service that echoes the credential it gets: POST /reject answers 400 quoting it; GET /ok answers 200
 * with it in the body in several encodings; GET /header puts it in response headers; GET /leak (sent
 * without credential) answers with the last credential any request carried.
 */
async function startEchoServer(): Promise<EchoServer> {
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      if (auth) seen.push(auth);
      const token = auth.replace(/^Bearer /, '');
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const path = req.url?.split('?')[0];
      if (req.method === 'POST' && path === '/reject') return json(400, { error: 'invalid credential', received: auth, uri: encodeURIComponent(token), b64: b64(auth) });
      if (path === '/ok') {
        return json(200, {
          authorization: auth,
          basic: `Basic ${b64(`user:${token}`)}`,
          b64url: Buffer.from(`x${token}`).toString('base64url'),
          hex: hex(token),
          HEX: hex(token).toUpperCase(),
          form: new URLSearchParams({ t: token, n: '1' }).toString(),
        });
      }
      if (path === '/header') {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-echo-authorization': auth, 'x-echo-b64': b64(token), 'x-echo-uri': encodeURIComponent(token) });
        return res.end('fine');
      }
      if (path === '/leak') return json(200, { lastCredential: seen.at(-1) ?? null, asHex: hex((seen.at(-1) ?? '').replace(/^Bearer /, '')) });
      json(404, { error: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The Messages API answers: 400 quoting the key, a text echoing it (also as model and request-id), a failing review quoting it. */
function echoingClaude(claude: FakeAnthropic): void {
  claude.respond((req) => {
    const k = apiKeyOf(req.headers) ?? '';
    if (JSON.stringify(req.body.messages).includes('FAIL-NOW')) return { status: 400, message: `request refused for key ${k} (${b64(k)})` };
    if (req.body.tool_choice?.name === 'submit_review') return { json: { pass: false, issues: [`the draft repeats the key ${k}`, `hex ${hex(k)}`], confidence: 0.2 } };
    return { text: `Your key is ${k}; base64 ${b64(k)}; hex ${hex(k)}.`, model: `claude-echo-${k}`, headers: { 'request-id': `req_${k}` } };
  });
}

function workflows(echo: string) {
  return [
    { id: 'echo-reject', name: 'echo reject', nodes: [{ id: 'call', type: 'http.request', params: { method: 'POST', url: `${echo}/reject`, body: { hello: 'x' }, auth: { secret: 'ECHO_TOKEN' } } }], edges: [] },
    {
      id: 'echo-ok',
      name: 'echo ok',
      nodes: [
        { id: 'ok', type: 'http.request', params: { url: `${echo}/ok`, auth: { secret: 'ECHO_TOKEN' } } },
        { id: 'hdr', type: 'http.request', params: { url: `${echo}/header`, auth: { secret: 'ECHO_TOKEN' } } },
        // A POST goes through the outbox, which records the response.
        { id: 'post', type: 'http.request', params: { method: 'POST', url: `${echo}/ok`, body: { n: 1 }, auth: { secret: 'ECHO_TOKEN' } } },
      ],
      edges: [
        { from: 'ok', to: 'hdr' },
        { from: 'hdr', to: 'post' },
      ],
    },
    { id: 'leak', name: 'leak', nodes: [{ id: 'get', type: 'http.request', params: { url: `${echo}/leak` } }, { id: 'note', type: 'log', params: { message: 'leak ran' } }], edges: [{ from: 'get', to: 'note' }] },
    { id: 'ai-fail', name: 'ai fail', nodes: [{ id: 'write', type: 'ai.generate', params: { prompt: 'FAIL-NOW please', brand: false } }], edges: [] },
    {
      id: 'ai-echo',
      name: 'ai echo',
      nodes: [
        { id: 'write', type: 'ai.generate', params: { prompt: 'Write one line.', brand: false, saveAs: 'echo note' } },
        { id: 'review', type: 'ai.review', params: { from: 'write', checklist: ['No secrets'], maxRevisions: 0 } },
      ],
      edges: [{ from: 'write', to: 'review' }],
    },
  ];
}

describe('secrets echoed by remote services are scrubbed', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });

  it('baton serve: nothing in the data folder, a backup, API answers or WebSocket events holds a secret', { timeout: 180_000 }, async () => {
    if (!existsSync(join(root, 'out', 'main', 'cli.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built `baton serve`');
    const secrets = { ECHO_TOKEN: newToken(), ANTHROPIC_API_KEY: ['sk', 'ant', 'test', rand(), rand()].join('-') };
    const echo = await startEchoServer();
    closers.push(() => echo.close());
    const claude = await startFakeAnthropic({ apiKey: secrets.ANTHROPIC_API_KEY });
    echoingClaude(claude);
    closers.push(() => claude.close());
    const data = tempDir('baton-scrub-');
    closers.push(data.cleanup);
    const env: NodeJS.ProcessEnv = { ...process.env, BATON_SECRETS: 'env', BATON_SECRET_ECHO_TOKEN: secrets.ECHO_TOKEN, BATON_SECRET_ANTHROPIC_API_KEY: secrets.ANTHROPIC_API_KEY };
    delete env.BATON_DATA_DIR;
    const server: RunningServer = await startBatonServe(data.dir, 0, env);
    closers.push(() => server.stop());

    const answers: string[] = [];
    const call = async <T = any>(op: string, input: unknown): Promise<T> => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const res = await fetch(`${server.url.replace(/\/$/, '')}/api/v1/${op}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const text = await res.text();
      answers.push(text);
      if (!res.ok) throw new Error(`${op}: ${res.status} ${text}`);
      return (JSON.parse(text) as { result: T }).result;
    };
    const pushed: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/events`, [`baton.${server.token}`], { origin: `http://127.0.0.1:${server.port}` });
    ws.on('message', (m) => pushed.push(String(m)));
    await new Promise((ok, no) => {
      ws.once('open', ok);
      ws.once('error', no);
    });
    closers.push(() => ws.close());

    await call('settings.set', { key: 'ai.baseUrl', value: claude.url });
    await call('settings.set', { key: 'ai.maxRetries', value: 0 });
    for (const definition of workflows(echo.url)) await call('workflows.import', { definition });
    const status = async (id: string) => (await call<{ status: string }>('runs.get', { id })).status;
    const finished = (s: string) => ['succeeded', 'failed', 'cancelled'].includes(s);

    const reject = (await call<{ runId: string }>('runs.start', { workflow: 'echo-reject' })).runId;
    const ok = (await call<{ runId: string }>('runs.start', { workflow: 'echo-ok' })).runId;
    const aiFail = (await call<{ runId: string }>('runs.start', { workflow: 'ai-fail' })).runId;
    const aiEcho = (await call<{ runId: string }>('runs.start', { workflow: 'ai-echo' })).runId;
    await until('the echo runs', async () => finished(await status(reject)) && finished(await status(ok)));
    // Another step, which sent no credential, is answered with the one the service saw last.
    const leak = (await call<{ runId: string }>('runs.start', { workflow: 'leak' })).runId;
    await until('the review approval', async () => (await call<{ approvals: unknown[] }>('approvals.list', {})).approvals.length === 1);
    const [approval] = (await call<{ approvals: { id: string; payload: unknown; reason: string | null }[] }>('approvals.list', {})).approvals;
    await call('approvals.decide', { id: approval!.id, decision: 'approve' });
    await until('every run to finish', async () => {
      for (const id of [leak, aiFail, aiEcho]) if (!finished(await status(id))) return false;
      return true;
    });

    // The secrets really went out and really came back.
    expect(echo.seen.filter((a) => a === `Bearer ${secrets.ECHO_TOKEN}`).length).toBeGreaterThanOrEqual(4);
    expect(claude.requests.every((r) => apiKeyOf(r.headers) === secrets.ANTHROPIC_API_KEY)).toBe(true);
    const runs = Object.fromEntries(
      await Promise.all(
        Object.entries({ reject, ok, leak, aiFail, aiEcho }).map(async ([k, id]) => [k, await call<any>('runs.get', { id })] as const), // eslint-disable-line @typescript-eslint/no-explicit-any
      ),
    );
    expect(Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, r.status]))).toEqual({ reject: 'failed', ok: 'succeeded', leak: 'succeeded', aiFail: 'failed', aiEcho: 'succeeded' });
    // Where the secrets were, their names are: 400 body (step error, run error), 200 body, header, cross-step echo, AI error, AI answer.
    const T = '[secret ECHO_TOKEN]';
    const K = '[secret ANTHROPIC_API_KEY]';
    expect(runs.reject.error.message).toContain(`Bearer ${T}`);
    expect(runs.reject.steps[0].error.message).toContain(T);
    const okOut = runs.ok.steps.find((s: { nodeId: string }) => s.nodeId === 'ok').output.body;
    expect(okOut.authorization).toBe(`Bearer ${T}`);
    expect(okOut.hex).toBe(T);
    expect(okOut.basic).toContain(T);
    const hdrOut = runs.ok.steps.find((s: { nodeId: string }) => s.nodeId === 'hdr').output;
    expect(hdrOut.headers['x-echo-authorization']).toBe(`Bearer ${T}`);
    expect(hdrOut.headers['x-echo-b64']).toContain(T);
    expect(runs.ok.output.body.authorization).toBe(`Bearer ${T}`);
    expect(runs.leak.steps[0].output.body.lastCredential).toBe(`Bearer ${T}`);
    expect(runs.aiFail.error.message).toContain(K);
    const write = runs.aiEcho.steps.find((s: { nodeId: string }) => s.nodeId === 'write').output;
    expect(write.text).toContain(`Your key is ${K}`);
    expect(write.model).toBe(`claude-echo-${K}`);
    expect(JSON.stringify(approval)).toContain(K);
    const deliverable = await call<{ content: string }>('docs.get', { path: write.deliverable });
    expect(deliverable.content).toContain(K);
    const usage = await call<{ totals: { calls: number } }>('ai.usage', { runId: aiEcho });
    expect(usage.totals.calls).toBe(2);
    const escalations = await call<{ escalations: { title: string; detail: string }[] }>('escalations.list', {});
    expect(escalations.escalations.map((e) => e.detail).join('\n')).toContain(T);
    await call('approvals.list', { status: 'all' });
    const backup = await call<{ file: string }>('backups.create', {});
    expect(statSync(backup.file).size).toBeGreaterThan(0);
    await until('the push events of the finished runs', () => pushed.some((m) => m.includes('escalation.raised')) && pushed.some((m) => m.includes('approval.created')));
    expect(pushed.join('\n')).toContain(T);

    // The search: every file of the data folder while the server runs (database, WAL, logs, deliverables,
    // backup), every API answer, every push event; then the folder again after the server stopped.
    const search = (): string[] => {
      const leaks: string[] = [];
      for (const f of filesUnder(data.dir)) leaks.push(...findLeaks(relative(data.dir, f), readFileSync(f), secrets));
      return leaks;
    };
    const files = filesUnder(data.dir).map((f) => relative(data.dir, f));
    expect(files).toEqual(expect.arrayContaining(['baton.db', 'baton.db-wal', join('logs', 'baton.log'), join('workspace', 'deliverables', 'echo-note.v1.md'), relative(data.dir, backup.file)]));
    expect(search()).toEqual([]);
    expect(answers.flatMap((a, i) => findLeaks(`answer ${i}`, a, secrets))).toEqual([]);
    expect(pushed.flatMap((m, i) => findLeaks(`push ${i}`, m, secrets))).toEqual([]);
    // The search itself finds what it looks for: the labels are in the database files and the backup.
    expect(readFileSync(backup.file).includes(T)).toBe(true);
    await server.stop();
    expect(search()).toEqual([]);
  });

  it('a secret first used after the workers started reaches every worker: echoed to another worker, it is still scrubbed', { timeout: 120_000 }, async () => {
    if (!existsSync(join(jobsDir, 'dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
    const echo = await startEchoServer();
    closers.push(() => echo.close());
    const env: NodeJS.ProcessEnv = {};
    const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore(env, 'tests') });
    closers.push(t.cleanup);
    const core = t.core;
    const pushed: string[] = [];
    const off = core.bus.onAny((name, payload) => pushed.push(JSON.stringify({ name, payload })));
    closers.push(off);
    const engine = engineOf(core);
    engine.poolOptions = { jobsDir, workers: 2 };
    await engine.start('pool');
    // Not known to any thread until a step asks for it.
    const late = newToken();
    env.BATON_SECRET_LATE_TOKEN = late;
    const defs = workflows(echo.url).filter((d) => d.id === 'leak');
    defs.push({ id: 'late', name: 'late', nodes: [{ id: 'ok', type: 'http.request', params: { url: `${echo.url}/ok`, auth: { secret: 'LATE_TOKEN' } } }], edges: [] });
    for (const definition of defs) await core.call('workflows.import', { definition });
    const done = async (id: string) => ['succeeded', 'failed'].includes((await core.call('runs.get', { id })).status);
    const first = (await core.call('runs.start', { workflow: 'late' })).runId;
    await until('the run that uses the secret', () => done(first));
    expect(echo.seen.at(-1)).toBe(`Bearer ${late}`);
    // Leak runs one after the other until each worker has run one (the log names the worker of each run).
    const logFile = core.log.file as string;
    const workerOf = (runId: string): string | undefined => {
      if (!existsSync(logFile)) return undefined;
      for (const line of readFileSync(logFile, 'utf8').trim().split('\n')) {
        const l = JSON.parse(line) as { msg?: string; runId?: string; worker?: string };
        if (l.msg === 'leak ran' && l.runId === runId) return l.worker;
      }
      return undefined;
    };
    const byWorker = new Map<string, string>();
    for (let i = 0; i < 40 && byWorker.size < 2; i++) {
      const id = (await core.call('runs.start', { workflow: 'leak' })).runId;
      await until('a leak run', () => done(id));
      await until('its log line', () => workerOf(id) !== undefined);
      byWorker.set(workerOf(id)!, id);
    }
    expect(byWorker.size).toBe(2);
    for (const id of byWorker.values()) {
      const run = await core.call('runs.get', { id });
      expect(run.status).toBe('succeeded');
      expect((run.steps[0]!.output as { body: { lastCredential: string } }).body.lastCredential).toBe('Bearer [secret LATE_TOKEN]');
      expect(findLeaks(`run ${id}`, JSON.stringify(run), { late })).toEqual([]);
    }
    // Events published through the API and escalations raised are stored and pushed scrubbed as well.
    await core.call('events.publish', { type: 'echo.seen', data: { credential: `Bearer ${late}`, hex: hex(late) } });
    const stored = core.db.prepare(`SELECT data FROM events WHERE type = 'echo.seen'`).get() as { data: string };
    expect(JSON.parse(stored.data)).toEqual({ credential: 'Bearer [secret LATE_TOKEN]', hex: '[secret LATE_TOKEN]' });
    // Whatever a module pushes on the bus reaches the hosts (WebSocket, window) scrubbed.
    core.bus.emit('docs.changed', { path: `deliverables/${encodeURIComponent(late)}.md` });
    expect(pushed.at(-1)).toContain('[secret LATE_TOKEN]');
    await engine.stop();
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    const leaks = filesUnder(t.dir).flatMap((f) => findLeaks(relative(t.dir, f), readFileSync(f), { late }));
    expect(leaks).toEqual([]);
    expect(pushed.flatMap((m, i) => findLeaks(`push ${i}`, m, { late }))).toEqual([]);
  });
});
