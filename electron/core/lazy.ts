/**
 * Libraries that are not needed at idle (SMTP, IMAP, Liquid …) are loaded on
 * first use, so neither the idle server nor each engine worker thread carries
 * them (each worker thread is its own V8 heap: a library costs its size per
 * thread). For code that must stay synchronous: a CommonJS require, once.
 * Async code can use `await import()` instead.
 */
import { createRequire } from 'node:module';

const req = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= req(id) as T);
}
