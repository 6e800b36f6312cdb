// Shared helpers for bench sections (plain Node ESM: the bench runs against the built app).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'baton-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Percentile (0-100) of a numeric array (nearest-rank). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const fmt = (n, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n);

export const mb = (bytes) => bytes / 1024 / 1024;

export function rssMb() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  return mb(process.memoryUsage().rss);
}

/** A printed target: "PASS"/"FAIL" line; never throws (the bench never fails CI). */
export function target(label, ok, detail) {
  return `  [${ok ? 'PASS' : 'FAIL'}] ${label}${detail ? ` (${detail})` : ''}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
