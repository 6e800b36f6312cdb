import type { NodeDef } from '../../engine/registry';
import affiliateLink from './affiliate-link';

/** The affiliate domain's node types. */
export const AFFILIATE_NODES = [affiliateLink] as NodeDef[];
