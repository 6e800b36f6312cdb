/** The Electron transport: the preload's `window.baton` bridge. */
import type { EventName, EventPayload, OpInput, OpName, OpOutput, Transport } from '../../../shared/api';
import { toApiError } from './errors';

/** What electron/preload exposes as `window.baton`. */
export interface BatonBridge {
  call(name: string, input: unknown): Promise<unknown>;
  on(event: string, cb: (payload: unknown) => void): () => void;
}

export class IpcTransport implements Transport {
  constructor(private readonly bridge: BatonBridge) {}

  async call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> {
    try {
      return (await this.bridge.call(name, input ?? {})) as OpOutput<N>;
    } catch (e) {
      throw toApiError(e);
    }
  }

  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
    return this.bridge.on(event, cb as (payload: unknown) => void);
  }
}
