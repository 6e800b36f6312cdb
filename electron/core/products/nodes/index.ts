import type { NodeDef } from '../../engine/registry';
import drip from './drip';
import grant from './grant';
import revoke from './revoke';

/** The products domain's node types. */
export const PRODUCTS_NODES = [grant, revoke, drip] as NodeDef[];
