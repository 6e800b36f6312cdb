/**
 * The preload (bundled as CommonJS, runs sandboxed with context isolation):
 * exposes `window.baton = { call(name, input), on(event, cb) }` and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

const bridge = createBridge(ipcRenderer as unknown as Parameters<typeof createBridge>[0]);

contextBridge.exposeInMainWorld('baton', {
  call: (name: string, input?: unknown) => bridge.call(name, input),
  on: (event: string, cb: (payload: unknown) => void) => bridge.on(event, cb),
});
