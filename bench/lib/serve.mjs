// The built `baton serve` for a bench section: started on a data folder with a clean environment
// (no BATON_* of the caller, secrets from BATON_SECRET_* only), and its API called with the token.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The caller's environment without its BATON_* variables, secrets from the environment, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return { ...env, BATON_SECRETS: 'env', ...extra };
}

/** `node <bin> --data <data> --json serve --port 0`; resolves once it listens, with its url, token, stderr and stop(). */
export function serve(bin, data, env) {
  return new Promise((resolve, reject) => {
    // BENCH_SERVE_NODE_ARGS: node flags for the server process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
    // BENCH_CPU_PROF=<dir>: a CPU profile of the server's main thread and of each worker thread (they inherit the flags).
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    const nodeArgs = [...prof, ...(process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    const child = spawn(process.execPath, [...nodeArgs, bin, '--data', data, '--json', 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.stdout.on('data', (c) => {
      out += c;
      if (!out.includes('\n')) return;
      const info = JSON.parse(out.split('\n')[0]);
      resolve({
        child,
        url: info.url,
        token: readFileSync(info.tokenFile, 'utf8').trim(),
        stderr: () => err,
        stop: () => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
      });
    });
    child.once('exit', (code) => reject(new Error(`baton serve exited with ${code}: ${err}`)));
  });
}

/** An operation of the server's API (POST /api/v1/<op> with its token); its result, or an error naming the op. */
export async function call(server, op, input) {
  const r = await fetch(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = await r.json();
  if (!r.ok) throw new Error(`${op}: ${r.status} ${JSON.stringify(body)}`);
  return body.result;
}
