import type { NodeDef } from '../../engine/registry';
import monitorAlert from './monitor-alert';
import monitorCheck from './monitor-check';
import monitorKpi from './monitor-kpi';
import monitorLinks from './monitor-links';

/** The monitoring domain's node types. */
export const MONITORING_NODES = [monitorCheck, monitorAlert, monitorKpi, monitorLinks] as NodeDef[];
