import type { NodeDef } from '../../engine/registry';
import reportList from './report-list';
import reportRender from './report-render';

/** The reports domain's node types. */
export const REPORTS_NODES = [reportList, reportRender] as NodeDef[];
