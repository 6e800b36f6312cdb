#!/usr/bin/env node
// Where the time went: reads V8 CPU profiles (`node --cpu-prof`, one .cpuprofile
// per thread) and prints the functions and the code areas (a package of
// node_modules, a source file of the build, node's own internals, GC) with the
// most self time. Used by `npm run bench:peer -- --cpu-prof` and by hand:
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/baton.js serve …   # stop it with Ctrl+C
//   node bench/lib/cpuprofile-top.mjs /tmp/prof [--top 25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The area a frame's code belongs to. */
function areaOf(url, name) {
  if (!url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)' || name === '(program)') return name;
    return 'native (V8, C++ bindings)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `pkg ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return `app ${basename(url)}`;
}

/** Self time per function and per area over some profiles (ms), idle excluded from the total. */
export function summarize(files) {
  const fns = new Map();
  const areas = new Map();
  let total = 0;
  let idle = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const dt = p.timeDeltas ?? [];
    for (let i = 0; i < (p.samples ?? []).length; i++) {
      const node = byId.get(p.samples[i]);
      const ms = (dt[i] ?? 0) / 1000;
      if (!node || ms <= 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = functionName || '(anonymous)';
      if (name === '(idle)') {
        idle += ms;
        continue;
      }
      total += ms;
      const area = areaOf(url, name);
      const key = `${name}  ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/out\//, 'out/')}:${lineNumber + 1}` : ''}`;
      fns.set(key, (fns.get(key) ?? 0) + ms);
      areas.set(area, (areas.get(area) ?? 0) + ms);
    }
  }
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { total, idle, functions: sorted(fns), areas: sorted(areas) };
}

export function profileFiles(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(path, f));
  }
  return [path];
}

/** Printable lines: the top areas and functions by self time. */
export function topLines(path, top = 20) {
  const files = profileFiles(path);
  if (!files.length) return [`  no .cpuprofile in ${path}`];
  const s = summarize(files);
  const pct = (ms) => `${((ms / s.total) * 100).toFixed(1).padStart(5)} %`;
  const lines = [`  ${files.length} profile(s) (one per thread), ${(s.total / 1000).toFixed(2)} s on the CPU (+ ${(s.idle / 1000).toFixed(2)} s idle)`, '  by area (self time):'];
  for (const [a, ms] of s.areas.slice(0, Math.min(top, 15))) lines.push(`  ${pct(ms)}  ${a}`);
  lines.push('  by function (self time):');
  for (const [f, ms] of s.functions.slice(0, top)) lines.push(`  ${pct(ms)}  ${f}`);
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const ti = args.indexOf('--top');
  const top = ti >= 0 ? Number(args[ti + 1]) : 25;
  const path = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
  if (!path) {
    console.error('usage: node bench/lib/cpuprofile-top.mjs <profile.cpuprofile | folder of them> [--top N]');
    process.exit(2);
  }
  for (const l of topLines(path, top)) console.log(l);
}
