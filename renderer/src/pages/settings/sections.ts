/**
 * The sections of the Settings page, in page order: the sticky navigation lists them and
 * `#/settings/<id>` scrolls to one (each card's element id is `settings-<id>`). DOM-free.
 */
import { subPathFromHash } from '../../api/nav';

export const SETTINGS_SECTIONS = [
  { id: 'system', label: 'Data and connection' },
  { id: 'connections', label: 'Connections' },
  { id: 'general', label: 'General' },
  { id: 'email', label: 'E-mail' },
  { id: 'ai', label: 'AI (Claude)' },
  { id: 'wordpress', label: 'WordPress' },
  { id: 'notifications', label: 'Notifications' },
  { id: 'escalations', label: 'Escalation rules' },
  { id: 'server', label: 'Server and address' },
  { id: 'engine', label: 'Workflow engine' },
  { id: 'tracking', label: 'Engagement tracking' },
  { id: 'monitoring', label: 'Monitoring alerts' },
  { id: 'forms', label: 'Lead-capture forms' },
  { id: 'webhooks', label: 'Webhooks' },
  { id: 'secrets', label: 'Secrets' },
  { id: 'backups', label: 'Backups' },
] as const;

/**
 * Settings a person may set (shared/contract/settings.ts SETTINGS) that the Settings page does not
 * show, each with the reason and where it is set instead. Every other one has a field on the page
 * (e2e/settings-audit.spec.ts checks both).
 */
export const NOT_ON_SETTINGS_PAGE: Readonly<Record<string, string>> = {
  'setup.completed': 'set by the first-run setup when you finish it (the Setup page, reached from the dashboard)',
};

export type SettingsSectionId = (typeof SETTINGS_SECTIONS)[number]['id'];

/** `#/settings/wordpress` -> 'wordpress'; no section or an unknown one -> null. */
export function sectionFromHash(hash: string): SettingsSectionId | null {
  const sub = subPathFromHash(hash);
  return SETTINGS_SECTIONS.some((s) => s.id === sub) ? (sub as SettingsSectionId) : null;
}

export const sectionHash = (id: SettingsSectionId): string => `#/settings/${id}`;
export const sectionElementId = (id: SettingsSectionId): string => `settings-${id}`;
