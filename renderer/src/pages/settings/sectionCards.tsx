/**
 * The card of each Settings section (sections.ts lists them, in page order, for the navigation and
 * `#/settings/<id>`): a new section is a line there and a line here (sectionCards.tsx), and the type says if one is missing.
 */
import type { ComponentType } from 'react';
import { EscalationRulesCard } from '../config/EscalationRules';
import { FormsCard } from '../config/Forms';
import { WebhooksCard } from '../config/Webhooks';
import { BackupsCard } from './BackupsCard';
import { AiCard, EmailCard, EngineCard, GeneralCard, MonitoringCard, NotificationsCard, TrackingCard } from './Cards';
import { ConnectionsCard } from './ConnectionsCard';
import { SecretsCard } from './SecretsCard';
import type { SettingsSectionId } from './sections';
import { ServerCard } from './ServerCard';
import { SystemCard } from './SystemCard';
import { WordPressCard } from './WordPressCard';

export const SECTION_CARDS: Record<SettingsSectionId, ComponentType> = {
  system: SystemCard,
  connections: ConnectionsCard,
  general: GeneralCard,
  email: EmailCard,
  ai: AiCard,
  wordpress: WordPressCard,
  notifications: NotificationsCard,
  escalations: EscalationRulesCard,
  server: ServerCard,
  engine: EngineCard,
  tracking: TrackingCard,
  monitoring: MonitoringCard,
  forms: FormsCard,
  webhooks: WebhooksCard,
  secrets: SecretsCard,
  backups: BackupsCard,
};
