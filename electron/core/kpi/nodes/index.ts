import type { NodeDef } from '../../engine/registry';
import kpiRead from './kpi-read';

/** The kpi domain's node types. */
export const KPI_NODES = [kpiRead] as NodeDef[];
