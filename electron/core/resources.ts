import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding migrations, templates and demo data. Found by walking up
 * from this module (works from source, from out/ and from an install path with
 * spaces); BATON_RESOURCES_DIR or an explicit option wins (the packaged app).
 */
export function resourcesDir(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.BATON_RESOURCES_DIR) return process.env.BATON_RESOURCES_DIR;
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'migrations'))) return (cached = candidate);
    dir = dirname(dir);
  }
  throw new Error('Baton could not find its resources folder (resources/migrations). Set BATON_RESOURCES_DIR to it.');
}

/** The project root (the folder holding resources/ and out/) when run from a checkout or install. */
export function appRoot(explicit?: string): string {
  return resolve(resourcesDir(explicit), '..');
}
