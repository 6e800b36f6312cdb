/**
 * The engine's own, generic node types (control flow, data, waits, approvals,
 * HTTP, sub-workflows). Domain node types (CRM, e-mail, AI, WordPress …) live
 * in their domain's folder and are registered with the domain.
 */
import type { NodeDef } from '../registry';
import approval from './approval';
import condition from './condition';
import escalate from './escalate';
import forEach from './for-each';
import httpRequest from './http-request';
import join from './join';
import log from './log';
import parallel from './parallel';
import respond from './respond';
import set from './set';
import subworkflow from './subworkflow';
import switchNode from './switch';
import transform from './transform';
import wait from './wait';

export const ENGINE_NODES: NodeDef[] = [
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
  respond,
  subworkflow,
  log,
] as NodeDef[];

