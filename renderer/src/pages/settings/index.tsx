/**
 * The Settings page: the sections in page order (sections.ts) with a sticky navigation; each section's
 * card is in sectionCards.tsx, the pure parts in model.ts, sections.ts and settingsForm.ts.
 */
import { useState } from 'react';
import { PageHeader } from '../../components/ui';
import { SECTION_CARDS } from './sectionCards';
import { SectionNav, useScrollToSection, useSettingsSection } from './SectionNav';
import { SETTINGS_SECTIONS } from './sections';

export function Settings() {
  const section = useSettingsSection();
  const [stack, setStack] = useState<HTMLDivElement | null>(null);
  useScrollToSection(section, stack);
  return (
    <>
      <PageHeader title="Settings" intro="Where Baton keeps your data, how it reaches your mail, Claude and WordPress, when it alerts you (and about what), the address the internet reaches it at, your lead-capture forms and webhooks, and your backups." />
      <div className="settings-layout">
        <SectionNav current={section} />
        <div className="stack settings-sections" ref={setStack}>
          {SETTINGS_SECTIONS.map(({ id }) => {
            const SectionCard = SECTION_CARDS[id];
            return <SectionCard key={id} />;
          })}
        </div>
      </div>
    </>
  );
}
