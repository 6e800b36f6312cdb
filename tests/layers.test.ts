// The layer rules of docs/architecture.md are real: ESLint (the project's own
// eslint.config.js, through its Node API) rejects a wrong import and accepts the allowed ones.
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  expect(result, `${filePath} is linted (not ignored)`).toBeDefined();
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2).map((m) => m.message);
}

describe('layer rules (eslint no-restricted-imports)', () => {
  const wrong: [string, string, RegExp][] = [
    ['shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", /shared\/ is pure TypeScript/],
    ['shared/contract/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n", /shared\/ is pure TypeScript/],
    ['shared/x.ts', "import { Core } from '../electron/core/core';\nexport type A = Core;\n", /shared\/ is pure TypeScript/],
    ['electron/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n", /plain Node/],
    ['electron/core/engine/x.ts', "import { x } from '../../../renderer/src/x';\nexport const a = x;\n", /plain Node/],
    ['electron/server/x.ts', "import { BrowserWindow } from 'electron';\nexport const a = BrowserWindow;\n", /plain Node/],
    ['renderer/src/x.ts', "import x from '../../electron/core/core';\nexport const a = x;\n", /renderer\/ imports only shared\//],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", /renderer\/ imports only shared\//],
    ['renderer/src/x.tsx', "import path from 'node:path';\nexport const a = path;\n", /renderer\/ imports only shared\//],
    ['electron/preload/x.ts', "import { Core } from '../core/core';\nexport type A = Core;\n", /the preload only bridges/],
  ];
  const first = (code: string) => code.split('\n')[0];
  it.each(wrong.map(([file, code, why]) => [file, first(code), code, why] as const))('%s: %s is an error', async (file, _line, code, why) => {
    const messages = await restricted(file, code);
    expect(messages.length).toBeGreaterThan(0); // one per matching pattern
    for (const m of messages) expect(m).toMatch(why);
  });

  const allowed: [string, string][] = [
    ['shared/x.ts', "import { z } from 'zod';\nimport { ApiError } from './contract/base';\nexport const a = [z, ApiError];\n"],
    ['electron/core/x.ts', "import { readFileSync } from 'node:fs';\nimport Database from 'better-sqlite3';\nimport { ApiError } from '../../shared/api';\nexport const a = [readFileSync, Database, ApiError];\n"],
    ['renderer/src/x.ts', "import { ApiError } from '../../shared/api';\nimport { create } from 'zustand';\nexport const a = [ApiError, create];\n"],
    ['electron/main/x.ts', "import { app } from 'electron';\nimport { openBaton } from '../core';\nexport const a = [app, openBaton];\n"],
    ['electron/preload/x.ts', "import { contextBridge } from 'electron';\nimport type { OpName } from '../../shared/api';\nexport const a = contextBridge;\nexport type B = OpName;\n"],
  ];
  it.each(allowed.map(([file, code]) => [file, code] as const))('%s: allowed imports pass', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});

describe('the kernel imports no domain (local/kernel-imports)', () => {
  async function kernel(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
    return result!.messages.filter((m) => m.ruleId === 'local/kernel-imports' && m.severity === 2).map((m) => m.message);
  }
  const wrong: [string, string, string][] = [
    ['electron/core/engine/x.ts', "import { storeOf } from '../crm/store';\nexport const a = storeOf;\n", 'crm'],
    ['electron/core/engine/nodes/x.ts', "import { deliver } from '../../sales/mail';\nexport const a = deliver;\n", 'sales'],
    ['electron/core/engine/x.ts', "export { aiDomain } from '../ai';\n", 'ai'],
    ['electron/core/core.ts', "import { seedDemo } from './crm/demo';\nexport const a = seedDemo;\n", 'crm'],
    // A domain that does not exist yet is a domain all the same: any folder outside the kernel.
    ['electron/core/db/x.ts', "import { mrr } from '../billing/kpi';\nexport const a = mrr;\n", 'billing'],
    ['electron/core/engine/x.ts', "import { DOMAINS } from '../index';\nexport const a = DOMAINS;\n", 'composition root'],
    ['electron/core/engine/x.ts', "const m = await import('../wordpress/client');\nexport const a = m;\n", 'wordpress'],
  ];
  it.each(wrong)('%s: %s is an error', async (file, code, domain) => {
    const messages = await kernel(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(domain);
  });

  const allowed: [string, string][] = [
    ['electron/core/engine/x.ts', "import { Core } from '../core';\nimport { openStore } from '../db/open';\nimport { threadService } from '../env';\nexport const a = [Core, openStore, threadService];\n"],
    // Domains import the kernel, and each other.
    ['electron/core/crm/x.ts', "import { defineNode } from '../engine/registry';\nimport { deliver } from '../sales/mail';\nexport const a = [defineNode, deliver];\n"],
    // The composition root imports every domain.
    ['electron/core/index.ts', "import { crmDomain } from './crm';\nexport const a = crmDomain;\n"],
  ];
  it.each(allowed)('%s: allowed', async (file, code) => {
    expect(await kernel(file, code)).toEqual([]);
  });
});

describe('engine SQL is in its repository (no-restricted-syntax)', () => {
  async function sqlMessages(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
    expect(result, `${filePath} is linted (not ignored)`).toBeDefined();
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax' && m.severity === 2).map((m) => m.message);
  }
  const prepares = "import type { Sqlite } from '../db/open';\nexport const f = (db: Sqlite) => db.prepare('SELECT 1 FROM runs').get();\n";
  it.each(['electron/core/engine/x.ts', 'electron/core/engine/nodes/x.ts', 'electron/core/engine/triggers/x.ts'])('%s: db.prepare is an error', async (file) => {
    const messages = await sqlMessages(file, file.split('/').length > 4 ? prepares.replace("'../db/open'", "'../../db/open'") : prepares);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/belongs to its repository \(electron\/core\/engine\/repo\)/);
  });
  it('the repository itself prepares statements', async () => {
    expect(await sqlMessages('electron/core/engine/repo/x.ts', prepares.replace("'../db/open'", "'../../db/open'"))).toEqual([]);
  });
  it('the engine keeps the rule on deferred transactions', async () => {
    const messages = await sqlMessages('electron/core/engine/x.ts', "import type { Sqlite } from '../db/open';\nexport const f = (db: Sqlite) => db.transaction(() => 1).deferred();\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/A deferred transaction/);
  });
  it('other domains are not concerned (their stores are theirs)', async () => {
    expect(await sqlMessages('electron/core/crm/x.ts', prepares)).toEqual([]);
  });
});
