/** What the sales nodes share: titles (Liquid over the contact and vars) and the pipeline's stage ids. */
import { NodeError } from '../../engine/registry';
import { contactOf } from '../../crm/automation';
import type { ThreadEnv } from '../../env';
import { isExpr } from '../../crm/nodes/support';
import { sequenceIds } from '../enrollments';
import { dealStageIds } from '../stages';
import { contactScope, NO_CONTACT, renderTitle, TemplateError, TITLE_ROOTS, validateEmailTemplate } from '../template';

/** Import check of a title template: only contact.* and vars.* tokens. */
export function checkTitle(type: string, src: string, path: string, report: (path: string, message: string) => void): void {
  if (isExpr(src)) {
    report(path, `${type}: ${path} is a Liquid template, not an expression; put the value in vars (vars: { "${path}": "${src}" }) and write {{ vars.${path} }}`);
    return;
  }
  for (const i of validateEmailTemplate(src, path, TITLE_ROOTS)) report(path, `${type}: ${i.message}`);
}

/** Render a title for the contact (or none); a bad template fails the step (not retried). */
export function titleFor(type: string, env: ThreadEnv, src: string, contactId: number | null, vars: Record<string, unknown> | undefined, field = 'title'): string {
  let contact: Record<string, unknown> = NO_CONTACT;
  if (contactId !== null) {
    const c = contactOf(env, contactId);
    contact = contactScope({
      id: c.id,
      email: c.email,
      first_name: c.firstName,
      last_name: c.lastName,
      phone: c.phone,
      title: c.title,
      company_name: c.companyName,
      company_domain: c.companyDomain,
      stage: c.stage,
      score: c.score,
      time_zone: c.timeZone,
      custom: c.custom,
      tags: c.tags,
    });
  }
  try {
    const out = renderTitle(src, { contact, vars: vars ?? {} }, field);
    if (!out) throw new NodeError(`${type}: the ${field} is empty after rendering. Nothing was written.`, { retryable: false, code: 'template' });
    return out.slice(0, 500);
  } catch (e) {
    if (e instanceof TemplateError) throw new NodeError(`${type}: ${e.message}. Nothing was written.`, { retryable: false, code: 'template' });
    throw e;
  }
}

/** Import check: a static deal stage must be a stage of the pipeline (or won / lost). */
export function checkDealStageRef(type: string, stage: unknown, env: ThreadEnv, report: (path: string, message: string) => void, path = 'stage'): void {
  if (stage === undefined || isExpr(stage)) return;
  const ids = dealStageIds(env);
  if (!ids.includes(String(stage))) report(path, `${type}: "${String(stage)}" is not a stage of the pipeline (use one of ${ids.join(', ')}; edit the stages on the Pipeline page)`);
}

/** At run time: the stage must (still) be a stage of the pipeline. */
export function dealStageOrFail(type: string, env: ThreadEnv, stage: unknown): string {
  const ids = dealStageIds(env);
  if (typeof stage !== 'string' || !ids.includes(stage)) throw new NodeError(`${type}: ${JSON.stringify(stage)} is not a stage of the pipeline (use one of ${ids.join(', ')}). Nothing was written.`, { retryable: false, code: 'bad_stage' });
  return stage;
}

/** Import check: the sequence a node names must exist. */
export function checkSequenceRef(type: string, id: unknown, env: ThreadEnv, report: (path: string, message: string) => void): void {
  if (id === undefined || isExpr(id)) return;
  const ids = sequenceIds(env);
  if (!ids.includes(String(id))) report('sequence', `${type}: there is no sequence "${String(id)}" (${ids.length ? `sequences: ${ids.join(', ')}` : 'no sequence is saved yet'}; create it on the Sequences page first)`);
}
