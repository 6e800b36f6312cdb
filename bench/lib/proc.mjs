// Child processes of a bench: started in their own process group, their whole
// tree's resident memory and CPU time sampled from /proc (Linux), and every
// tree killed when the bench ends — normally, on an error, or on Ctrl+C.
import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync, closeSync } from 'node:fs';

const started = new Set();
let hooked = false;

/** Every pid under `root` (itself included), from /proc's parent links. [] when /proc is missing. */
export function treePids(root) {
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses: split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(e));
    } catch {
      // the process ended while we looked
    }
  }
  const out = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift();
    out.push(p);
    for (const c of children.get(p) ?? []) queue.push(c);
  }
  return out;
}

/** Resident memory (MB) of a process tree, NaN when it cannot be read. */
export function treeRssMb(root) {
  let kb = 0;
  let seen = 0;
  for (const p of treePids(root)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) {
        kb += Number(m[1]);
        seen++;
      }
    } catch {
      // ended
    }
  }
  return seen ? kb / 1024 : NaN;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by the live processes of a tree. */
export function treeCpuSeconds(root) {
  let ticks = 0;
  for (const p of treePids(root)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields after the comm: state(0) ppid(1) … utime(11) stime(12)
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // ended
    }
  }
  return ticks / TICKS;
}

/** Samples a tree's RSS every `ms` until stop(): { peak, mean, samples } in MB. */
export function sampleRss(root, ms = 200) {
  const values = [];
  const take = () => {
    const v = treeRssMb(root);
    if (Number.isFinite(v)) values.push(v);
  };
  take();
  const timer = setInterval(take, ms);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        peak: values.length ? Math.max(...values) : NaN,
        mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
        samples: values.length,
      };
    },
  };
}

function signalTree(pid, signal) {
  const pids = treePids(pid);
  try {
    process.kill(-pid, signal); // the process group (spawned detached)
  } catch {
    // already gone
  }
  for (const p of pids.reverse()) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends a started tree: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopTree(child, graceMs = 5000) {
  if (!child?.pid) return;
  const pid = child.pid;
  const pids = treePids(pid);
  signalTree(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && [pid, ...pids].some(alive)) await new Promise((r) => setTimeout(r, 100));
  for (const p of [pid, ...pids]) if (alive(p)) signalTree(p, 'SIGKILL');
  started.delete(child);
}

/** Kills every tree still running, at once (sync: usable from an 'exit' handler). */
export function killAll() {
  for (const c of started) if (c.pid) signalTree(c.pid, 'SIGKILL');
  started.clear();
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping the servers this bench started…\n`);
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Starts a process in its own process group with stdout/stderr to `logFile`;
 * it is killed with its whole tree when the bench ends, however it ends.
 */
export function startTracked(cmd, args, { env, cwd, logFile } = {}) {
  hook();
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  started.add(child);
  return child;
}

/** Runs a command to its end (tracked like startTracked); resolves with its exit code (`.child`: the process). */
export function runTracked(cmd, args, opts) {
  const child = startTracked(cmd, args, opts);
  const done = new Promise((resolve) => {
    child.once('error', (e) => resolve({ code: -1, error: e }));
    child.once('exit', (code, signal) => {
      signalTree(child.pid, 'SIGKILL'); // anything it left behind in its group
      started.delete(child);
      resolve({ code: code ?? (signal ? 128 : -1), signal });
    });
  });
  done.child = child;
  return done;
}
