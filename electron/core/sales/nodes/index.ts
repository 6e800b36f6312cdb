import type { NodeDef } from '../../engine/registry';
import emailSend from './email.send';

/** The sales domain's node types. */
export const SALES_NODES = [emailSend] as NodeDef[];
