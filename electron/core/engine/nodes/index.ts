/**
 * Every node type. Adding one: a file in this folder exporting defineNode({...})
 * and one line below.
 */
import type { NodeDef } from '../registry';
import { registerNodes } from '../registry';
import { learn, phase, plan, recall } from './agent';
import aiGenerate from './ai.generate';
import aiReview from './ai.review';
import approval from './approval';
import condition from './condition';
import emailSend from './email.send';
import escalate from './escalate';
import forEach from './for-each';
import httpRequest from './http-request';
import join from './join';
import log from './log';
import parallel from './parallel';
import set from './set';
import subworkflow from './subworkflow';
import switchNode from './switch';
import transform from './transform';
import wait from './wait';
import wordpressPublish from './wordpress.publish';

export const NODES: NodeDef[] = [
  condition,
  switchNode,
  set,
  transform,
  parallel,
  join,
  forEach,
  wait,
  approval,
  escalate,
  httpRequest,
  subworkflow,
  log,
  phase,
  plan,
  learn,
  recall,
  aiGenerate,
  aiReview,
  wordpressPublish,
  emailSend,
] as NodeDef[];

registerNodes(NODES);
