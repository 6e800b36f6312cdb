import type { NodeDef } from '../../engine/registry';
import generate from './generate';
import review from './review';

/** The AI domain's node types: ai.generate, ai.review. */
export const AI_NODES = [generate, review] as NodeDef[];
