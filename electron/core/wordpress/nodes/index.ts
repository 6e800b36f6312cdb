import type { NodeDef } from '../../engine/registry';
import publish from './publish';

/** The WordPress domain's node types. */
export const WORDPRESS_NODES = [publish] as NodeDef[];
