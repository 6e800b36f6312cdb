import type { z } from 'zod';
import type { OpName, OpOutput, Operations } from '../../../shared/api';

export type Handler<N extends OpName> = (input: z.output<Operations[N]['input']>) => Promise<OpOutput<N>> | OpOutput<N>;
/** The implementation of a group of operations: one object per domain file. */
export type HandlerMap<K extends OpName> = { [N in K]: Handler<N> };
