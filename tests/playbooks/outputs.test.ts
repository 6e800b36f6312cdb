/**
 * Reading the outputs that act: the onboarding e-mails of Customer Success
 * (subject, body, delay) and the campaign designs of Demand Generation
 * (channel, audience, offer, budget), with what cannot be read named.
 */
import { describe, expect, it } from 'vitest';
import { amountOf, daysOf, durationOf, parseCampaigns, parseOnboarding, roiOf } from '../../electron/core/playbooks/outputs';

const ONBOARDING = `# Onboarding playbook

## Milestones
- Day 1: first invoice sent
- Day 7: three clients imported

## Email 1: Welcome
Delay: 0 days
Subject: Welcome to Facturo, {{ contact.first_name }}

Your first invoice takes five minutes.
Reply if anything is unclear.

## Email 2: Import your clients
**Delay:** 2 days
**Subject:** Import your clients in one go

Use the CSV import.

### Day 7: check-in
Subject: How is your first week going?
Body: One question: what stopped you this week?

## Email 4: no subject here
Delay: 1 day
Subject:
Text without a subject.

## Email 5: no delay
Subject: Your month in numbers
The dashboard shows what you billed.
`;

describe('onboarding e-mails', () => {
  it('reads subject, body and delay per section, with Day N counted from the start', () => {
    const { emails, issues } = parseOnboarding(ONBOARDING, 'customer-success/onboarding-playbook.md');
    expect(emails.map((e) => [e.subject, e.afterDays])).toEqual([
      ['Welcome to Facturo, {{ contact.first_name }}', 0],
      ['Import your clients in one go', 2],
      ['How is your first week going?', 5],
      ['Your month in numbers', 1],
    ]);
    expect(emails[0]!.body).toBe('Your first invoice takes five minutes.\nReply if anything is unclear.');
    expect(emails[2]!.body).toBe('One question: what stopped you this week?');
    expect(issues.map((i) => i.path)).toEqual(['customer-success/onboarding-playbook.md:24', 'customer-success/onboarding-playbook.md:29']);
    expect(issues[0]!.message).toContain('e-mail "Email 4: no subject here": its Subject line is empty');
    expect(issues[1]!.message).toContain('no "Delay:" line; it is sent 1 day after the previous e-mail');
  });

  it('finds nothing in a file without Subject lines', () => {
    expect(parseOnboarding('# Onboarding\n\nWeek 1: welcome call.\n', 'x.md').emails).toEqual([]);
  });

  it('turns delays into durations', () => {
    expect([daysOf('2 days'), daysOf('48 hours'), daysOf('1 week'), daysOf('3'), daysOf('soon')]).toEqual([2, 2, 7, 3, null]);
    expect(daysOf('30 min')! * 1440).toBeCloseTo(30);
    expect([durationOf(2), durationOf(0.5), durationOf(30 / 1440)]).toEqual(['2d', '12h', '30m']);
  });
});

const CAMPAIGNS = `# Campaigns

## Campaign: Designers on LinkedIn
- Channel: LinkedIn ads
- Audience: Freelance designers in France
- Offer: 30-day free trial
- Budget: 1,200 EUR
- Leads: 80
- Expected ROI: 150%

The plan: three ad variants.

## Campaign 2: Google search
Channel: Google Ads
Audience: Designers searching "facture freelance"
Offer: Free invoice template
Budget: €1 500,50

## Campaign: Podcast
Channel: Podcasts
Audience: Designers
Budget: 300 EUR
`;

describe('campaign designs', () => {
  it('reads channel, audience, offer, budget, leads and ROI per campaign', () => {
    const { items, issues } = parseCampaigns(CAMPAIGNS, 'demand-gen/campaigns.md');
    expect(items).toEqual([
      { name: 'Designers on LinkedIn', channel: 'LinkedIn ads', audience: 'Freelance designers in France', offer: '30-day free trial', budget: 1200, expectedRoi: 1.5, leads: 80 },
      { name: 'Google search', channel: 'Google Ads', audience: 'Designers searching "facture freelance"', offer: 'Free invoice template', budget: 1500.5, expectedRoi: null, leads: null },
    ]);
    expect(issues).toEqual([{ path: 'demand-gen/campaigns.md:19', message: 'campaign "Podcast": no "Offer:" line; it is left out' }]);
  });

  it('reads amounts and returns as written', () => {
    expect([amountOf('1,200 EUR'), amountOf('€1 200'), amountOf('1.5k'), amountOf('2.000,50 €'), amountOf('12,5'), amountOf('none')]).toEqual([1200, 1200, 1500, 2000.5, 12.5, null]);
    expect([roiOf('150%'), roiOf('1.5'), roiOf('3x')]).toEqual([1.5, 1.5, 2]);
  });
});
