import type { NodeDef } from '../../engine/registry';
import invoiceCheck from './invoice-check';
import subscriptionPause from './subscription-pause';

/** The billing domain's node types. */
export const BILLING_NODES = [invoiceCheck, subscriptionPause] as NodeDef[];
