import type { NodeDef } from '../../engine/registry';
import { learn, phase, plan, recall } from './agent';
import { campaignsAnalyze, campaignsExecute, campaignsLaunch, campaignsLearn } from './campaigns';
import { contentAnalyze, contentIdeas, contentLearn, contentSchedule } from './content';
import item from './item';
import { linksAnalyze, linksLearn, linksOutreach } from './links';
import growthPlan from './plan';
import { seoAnalyze, seoLearn } from './seo';

/** The growth domain's node types: the agentic nodes (agent.*), planning and plan items, and each engine's analysis and learning. */
export const GROWTH_NODES = [
  phase,
  plan,
  learn,
  recall,
  growthPlan,
  item,
  seoAnalyze,
  seoLearn,
  contentAnalyze,
  contentIdeas,
  contentSchedule,
  contentLearn,
  linksAnalyze,
  linksOutreach,
  linksLearn,
  campaignsAnalyze,
  campaignsExecute,
  campaignsLaunch,
  campaignsLearn,
] as NodeDef[];
