/**
 * The main process' glue to the core, without Electron: the IPC call handler,
 * event forwarding, the tray's engine state and the escalation notifier. Tests
 * drive these against a real core; index.ts plugs Electron's ipcMain,
 * webContents.send, Tray and Notification into them.
 */
import type { EventBus } from '../../core/bus';
import type { Core } from '../../core/core';
import { uiOf } from '../../core/remote';
import { checkCallArgs, toErrorReply, untrustedSenderReply, type CallReply } from './ipc';
import {
  approvalNotificationFor,
  navigationFor,
  navigationForApproval,
  notificationFor,
  prefsFromSettings,
  type NativeNotification,
  type NavigateTarget,
} from './notifications';
import { isTrustedSender } from './security';
import { openEscalationsFrom, pausedFrom, pendingCountFrom } from './tray';

/** What the glue needs from the core (the real Core, and the window's surface from windowCore, satisfy it). */
export interface HostCore {
  call(name: string, input: unknown): Promise<unknown>;
  readonly bus: Pick<EventBus, 'on' | 'onAny'>;
  readonly log: Core['log'];
}

/**
 * What the window, the tray and notifications talk to: the core's UI surface,
 * which is a remote `baton serve` while the window is attached to one
 * (electron/core/remote), so the badge and notifications follow the data shown.
 */
export function windowCore(core: Core): HostCore {
  const ui = uiOf(core);
  return { call: (name, input) => ui.call(name, input), bus: ui.bus, log: core.log };
}

/**
 * The 'baton:call' handler: refuse frames that are not the app's page, check
 * the arguments, run the operation, and always resolve with an envelope.
 */
export function createCallHandler(core: HostCore, appUrl: string) {
  return async (senderUrl: string | null | undefined, name: unknown, input: unknown): Promise<CallReply> => {
    if (!isTrustedSender(senderUrl, appUrl)) {
      core.log.warn('refused an IPC call from a foreign frame', { url: senderUrl ?? null });
      return untrustedSenderReply(senderUrl);
    }
    try {
      const args = checkCallArgs(name, input);
      return { result: await core.call(args.name, args.input) };
    } catch (e) {
      const reply = toErrorReply(e, core.log.file);
      if (reply.error.code === 'internal') core.log.error('IPC call failed', { op: typeof name === 'string' ? name : null, error: e as Error });
      return reply;
    }
  };
}

/** Every core event to the renderer as (name, payload). Returns the unsubscribe. */
export function forwardEvents(core: HostCore, send: (name: string, payload: unknown) => void): () => void {
  return core.bus.onAny((name, payload) => {
    try {
      send(name, payload);
    } catch (e) {
      core.log.warn('could not forward an event to the window', { event: name, error: e as Error });
    }
  });
}

/** Subscribe to an event by name: the engine's events may not be in shared/api.ts in every build. */
function onEvent(core: HostCore, name: string, cb: (payload: unknown) => void): () => void {
  const on = core.bus.on.bind(core.bus) as unknown as (n: string, f: (p: unknown) => void) => () => void;
  return on(name, cb);
}

/**
 * What the tray shows about the engine: pending approvals, paused, and whether
 * the engine is there at all (pause/resume are disabled until it is).
 */
export class EngineTrayState {
  pendingApprovals = 0;
  openEscalations = 0;
  paused = false;
  engineAvailable = false;
  private unsubs: (() => void)[] = [];
  private refreshes = 0;

  constructor(
    private readonly core: HostCore,
    private readonly onChange: () => void,
  ) {}

  /** Follow the engine's events; returns a function that stops following. */
  attach(): () => void {
    this.unsubs.push(
      onEvent(this.core, 'approvals.count', (p) => {
        const n = pendingCountFrom(p);
        if (n !== null && n !== this.pendingApprovals) {
          this.pendingApprovals = n;
          this.onChange();
        }
      }),
      onEvent(this.core, 'approval.created', () => void this.refresh()),
      onEvent(this.core, 'approval.decided', () => void this.refresh()),
      onEvent(this.core, 'escalation.raised', () => void this.refresh()),
      // Attached to a remote server or back to local: the counts are another store's.
      onEvent(this.core, 'connection.changed', () => void this.refresh()),
    );
    return () => {
      for (const u of this.unsubs.splice(0)) u();
    };
  }

  private async tryCall(name: string, input: unknown): Promise<unknown> {
    try {
      return await this.core.call(name, input);
    } catch (e) {
      const code = (e as { code?: string }).code;
      // not_found: that domain is not in this build yet. Anything else is worth a line in the log.
      if (code !== 'not_found') this.core.log.warn('tray: operation failed', { op: name, error: e as Error });
      return null;
    }
  }

  /** Re-read engine status and the pending approvals (start, every few seconds, after approval events). */
  async refresh(): Promise<void> {
    // Refreshes overlap (an event during a slow read, a connection change mid-read): only the
    // latest one started may write, or an older answer from the other surface would stick.
    const seq = ++this.refreshes;
    const status = await this.tryCall('engine.status', {});
    const paused = pausedFrom(status);
    const pending = pendingCountFrom(await this.tryCall('approvals.list', { status: 'pending', limit: 1 }));
    const open = openEscalationsFrom(await this.tryCall('escalations.list', { acknowledged: false, limit: 1 }));
    if (seq !== this.refreshes) return;
    const key = () => `${this.engineAvailable}/${this.paused}/${this.pendingApprovals}/${this.openEscalations}`;
    const before = key();
    this.engineAvailable = paused !== null;
    if (paused !== null) this.paused = paused;
    if (pending !== null) this.pendingApprovals = pending;
    if (open !== null) this.openEscalations = open;
    if (key() !== before) this.onChange();
  }

  /** Pause or resume all automations; the state follows what the engine answers. */
  async setPaused(paused: boolean): Promise<boolean> {
    const out = await this.tryCall(paused ? 'engine.pauseAll' : 'engine.resumeAll', {});
    const now = pausedFrom(out);
    if (now === null) return false;
    this.engineAvailable = true;
    this.paused = now;
    this.onChange();
    return true;
  }
}

async function readPrefs(core: HostCore) {
  let settings: Record<string, unknown> = {};
  try {
    settings = ((await core.call('settings.get', {})) as { settings: Record<string, unknown> }).settings;
  } catch (e) {
    core.log.warn('notifications: settings unreadable, using defaults', { error: e as Error });
  }
  const { prefs, problems } = prefsFromSettings(settings);
  for (const p of problems) core.log.warn(p);
  return prefs;
}

/**
 * Turn `escalation.raised` (and, while the window is hidden, `approval.created`)
 * into native notifications, following the person's notification settings at
 * the moment. `show` gets the notification and where a click should take the UI.
 */
export function notifyEscalations(
  core: HostCore,
  show: (n: NativeNotification, target: NavigateTarget) => void,
  opts: { now?: () => Date; windowVisible?: () => boolean } = {},
): () => void {
  const now = opts.now ?? (() => new Date());
  const offEscalations = onEvent(core, 'escalation.raised', (payload) => {
    void (async () => {
      const n = notificationFor(payload, await readPrefs(core), now());
      if (n) show(n, navigationFor(payload));
    })();
  });
  const offApprovals = onEvent(core, 'approval.created', (payload) => {
    // Judged when the approval arrives, not after the settings are read.
    const windowVisible = opts.windowVisible?.() ?? false;
    void (async () => {
      const n = approvalNotificationFor(payload, await readPrefs(core), { windowVisible, now: now() });
      if (n) show(n, navigationForApproval(payload));
    })();
  });
  return () => {
    offEscalations();
    offApprovals();
  };
}
