import type { NodeDef } from '../../engine/registry';
import dealCreate from './deal.create';
import dealMove from './deal.move';
import emailSend from './email.send';
import sequenceEnroll from './sequence.enroll';
import sequenceUnenroll from './sequence.unenroll';
import taskCreate from './task.create';

/** The sales domain's node types. */
export const SALES_NODES = [emailSend, dealCreate, dealMove, taskCreate, sequenceEnroll, sequenceUnenroll] as NodeDef[];
