import type { NodeDef } from '../../engine/registry';
import contactTag from './contact.tag';
import contactUntag from './contact.untag';
import contactUpdate from './contact.update';
import contactUpsert from './contact.upsert';
import eventRecord from './event.record';
import lookup from './lookup';
import score from './score';
import stageSet from './stage.set';

/** The CRM domain's node types. */
export const CRM_NODES = [contactUpsert, contactUpdate, contactTag, contactUntag, score, lookup, stageSet, eventRecord] as NodeDef[];
