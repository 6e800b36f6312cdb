/**
 * Who loaded the open pixel or followed a link: a person's mail client or
 * browser, a mail provider's image proxy, or a program (docs/tracking.md,
 * "Machine opens", where each rule's source is named). Pure: tested without
 * a server.
 *
 * - Apple Mail Privacy Protection loads every image of a message when it
 *   arrives, from Apple's own network (17.0.0.0/8, Apple's ARIN allocation),
 *   with the bare User-Agent "Mozilla/5.0".
 * - Gmail fetches images through its image proxy ("GoogleImageProxy",
 *   via ggpht.com), Yahoo and AOL through "YahooMailProxy".
 * - Microsoft's Exchange Online Protection scans links and images from the
 *   ranges Microsoft publishes for it (40.92.0.0/15, 40.107.0.0/16,
 *   52.100.0.0/14, 104.47.0.0/17) and Outlook.com from 132.245.0.0/16.
 * - Programs say what they are (curl, python-requests, Go-http-client, bots,
 *   link-preview fetchers, mail security gateways); a request without any
 *   User-Agent is no person's mail client either.
 */
import { BlockList, isIP } from 'node:net';
import type { MACHINE_REASONS, UserAgentClass } from '../../../shared/contract/tracking';

export type MachineReason = (typeof MACHINE_REASONS)[number];

export const APPLE_RANGES = ['17.0.0.0/8'] as const;
export const MICROSOFT_RANGES = ['40.92.0.0/15', '40.107.0.0/16', '52.100.0.0/14', '104.47.0.0/17', '132.245.0.0/16'] as const;

function blockList(ranges: readonly string[]): BlockList {
  const b = new BlockList();
  for (const r of ranges) {
    const [net, bits] = r.split('/') as [string, string];
    b.addSubnet(net, Number(bits), 'ipv4');
  }
  return b;
}
const apple = blockList(APPLE_RANGES);
const microsoft = blockList(MICROSOFT_RANGES);

const GOOGLE_UA = /GoogleImageProxy|ggpht\.com/i;
const YAHOO_UA = /YahooMailProxy/i;
const BOT_UA =
  /\b(?:bot|crawler|spider|slurp)\b|bot\/|curl\/|wget\/|python-|aiohttp|go-http-client|java\/|okhttp|libwww|httpclient|^node(?:-fetch)?$|undici|axios|postmanruntime|facebookexternalhit|slackbot|linkedinbot|twitterbot|whatsapp|telegrambot|discordbot|skypeuripreview|barracuda|mimecast|proofpoint|ironport|symantec|trendmicro|fireeye|forcepoint/i;
const MOBILE_UA = /Mobile|Android|iPhone|iPad|iPod/i;

export interface Visitor {
  userAgent: UserAgentClass;
  /** Set when a machine, not a person, made the request. */
  machineReason: MachineReason | null;
}

function ipv4(ip: string | undefined): string | null {
  if (!ip) return null;
  const v = ip.replace(/^::ffff:/i, '');
  return isIP(v) === 4 ? v : null;
}

export function classifyVisitor(ip: string | undefined, userAgent: string | undefined): Visitor {
  const ua = (userAgent ?? '').trim();
  const v4 = ipv4(ip);
  if (v4 && apple.check(v4, 'ipv4')) return { userAgent: 'mail-proxy', machineReason: 'apple-mpp' };
  if (v4 && microsoft.check(v4, 'ipv4')) return { userAgent: 'mail-proxy', machineReason: 'microsoft' };
  if (GOOGLE_UA.test(ua)) return { userAgent: 'mail-proxy', machineReason: 'google-proxy' };
  if (YAHOO_UA.test(ua)) return { userAgent: 'mail-proxy', machineReason: 'yahoo-proxy' };
  if (ua === 'Mozilla/5.0') return { userAgent: 'mail-proxy', machineReason: 'apple-mpp' };
  if (!ua) return { userAgent: 'unknown', machineReason: 'no-user-agent' };
  if (BOT_UA.test(ua)) return { userAgent: 'bot', machineReason: 'bot' };
  return { userAgent: MOBILE_UA.test(ua) ? 'mobile' : 'desktop', machineReason: null };
}
