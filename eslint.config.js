// Lint rules, including the layer rules of docs/architecture.md: who may import whom.
import js from '@eslint/js';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'url', 'worker_threads', 'events', 'stream', 'util', 'module', 'zlib', 'tls', 'dns'];

const root = dirname(fileURLToPath(import.meta.url));
const core = resolve(root, 'electron/core');

/**
 * The kernel of electron/core (docs/architecture.md, "Domains"): the engine, the
 * store, secrets, the Core and its registry. Every other folder of electron/core
 * is a domain (crm, sales, ai, wordpress, setup …, and every future one);
 * index.ts and nodes.ts compose them. The kernel never imports a domain: domains
 * register with it.
 */
const KERNEL_FOLDERS = new Set(['engine', 'db', 'secrets', 'api']);
const COMPOSITION = new Set(['index.ts', 'nodes.ts']);
/** 'kernel', 'composition', a domain's folder name, or null outside electron/core. */
function coreArea(file) {
  const rel = relative(core, file);
  if (rel.startsWith('..') || rel === '') return null;
  const [first, ...rest] = rel.split(sep);
  if (rest.length === 0) {
    // "./crm" is the crm folder's index; "./core" is core.ts.
    const name = /\.[cm]?[jt]s$/.test(first) ? first : existsSync(resolve(core, `${first}.ts`)) ? `${first}.ts` : null;
    if (name === null) return KERNEL_FOLDERS.has(first) ? 'kernel' : first;
    return COMPOSITION.has(name.replace(/\.js$/, '.ts')) ? 'composition' : 'kernel';
  }
  return KERNEL_FOLDERS.has(first) ? 'kernel' : first;
}
const kernelImports = {
  meta: { type: 'problem', messages: { domain: 'the kernel ({{from}}) imports the {{domain}} domain: domains register with the core (defineDomain), the kernel never imports one (docs/architecture.md, Domains).' } },
  create(context) {
    const file = context.filename;
    if (coreArea(file) !== 'kernel') return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = coreArea(resolve(dirname(file), spec));
      if (target && target !== 'kernel' && target !== 'composition') context.report({ node, messageId: 'domain', data: { from: relative(root, file), domain: target } });
      if (target === 'composition') context.report({ node, messageId: 'domain', data: { from: relative(root, file), domain: 'composition root (every)' } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
const DEFERRED_WHY =
  'transactions begin IMMEDIATE (docs/architecture.md, "Data"): call db.transaction(fn)() or orm.transaction(fn); only a read-only snapshot may use .deferred() (with an eslint-disable comment saying so).';
const deferredTransactions = [
  { selector: "CallExpression > MemberExpression.callee[property.name=/^(deferred|default)$/][object.type='CallExpression'][object.callee.property.name='transaction']", message: `A deferred transaction: ${DEFERRED_WHY}` },
  { selector: "Property[key.name='behavior'][value.value='deferred']", message: `A deferred transaction: ${DEFERRED_WHY}` },
  { selector: 'Literal[value=/^\\s*BEGIN(\\s+DEFERRED)?(\\s+TRANSACTION)?\\s*(;|$)/i]', message: `BEGIN without IMMEDIATE: ${DEFERRED_WHY}` },
  { selector: 'TemplateElement[value.raw=/^\\s*BEGIN(\\s+DEFERRED)?(\\s+TRANSACTION)?\\s*(;|$)/i]', message: `BEGIN without IMMEDIATE: ${DEFERRED_WHY}` },
];

// The engine's SQL is its repository's (electron/core/engine/repo, docs/engine.md "Execution"): the rest of
// the engine calls its typed methods and never prepares a statement of its own.
const engineSql = [
  {
    selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='prepare']",
    message:
      'SQL in the engine belongs to its repository (electron/core/engine/repo): add a typed method to the group of the table (runs, steps, timers, outbox …) and call it (docs/engine.md, "Execution").',
  },
];

const layer = (files, patterns, why) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message: why })) }],
  },
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'playwright-report/**', 'resources/**', '.electron-native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  // shared/ is "std": pure TypeScript, no node, no DOM, no electron, nothing of the other layers.
  layer(['shared/**/*.ts'], [...nodeBuiltins, 'electron', 'react', 'react-dom', '**/electron/**', '**/renderer/**'],
    'shared/ is pure TypeScript: no node:, DOM, electron or other layers (docs/architecture.md).'),
  // The Node layers never import electron or the renderer.
  layer(['electron/core/**/*.ts', 'electron/jobs/**/*.ts', 'electron/server/**/*.ts', 'electron/cli/**/*.ts'],
    ['electron', 'electron/*', '**/renderer/**', '**/main/**', '**/preload/**'],
    'electron/core, jobs, server and cli run in plain Node: they never import electron, the main process, the preload or the renderer.'),
  // The renderer talks to a transport; it imports shared/ and browser code only.
  layer(['renderer/**/*.{ts,tsx}'], [...nodeBuiltins, 'electron', '**/electron/**'],
    'renderer/ imports only shared/ and browser code; it reaches the core through the transport.'),
  // The preload exposes named functions: electron and shared/ only.
  layer(['electron/preload/**/*.ts'], ['**/core/**', '**/renderer/**', ...nodeBuiltins],
    'the preload only bridges: electron and shared/ (docs/architecture.md).'),
  layer(['electron/main/**/*.ts'], ['**/renderer/**'], 'electron/main never imports the renderer.'),
  // The kernel of electron/core imports no domain.
  {
    files: ['electron/core/**/*.ts'],
    plugins: { local: { rules: { 'kernel-imports': kernelImports } } },
    rules: { 'local/kernel-imports': 'error' },
  },
  // Write transactions begin IMMEDIATE (electron/core/db/open.ts makes db.transaction and
  // orm.transaction so): a deferred one that reads, then writes, fails at once with
  // SQLITE_BUSY when another process committed in between, and its work is lost.
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...deferredTransactions],
    },
  },
  // Engine code outside its repository prepares no SQL (the same rule, so it repeats the transaction selectors).
  {
    files: ['electron/core/engine/**/*.ts'],
    ignores: ['electron/core/engine/repo/**'],
    rules: {
      'no-restricted-syntax': ['error', ...deferredTransactions, ...engineSql],
    },
  },
);
