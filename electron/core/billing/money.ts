/**
 * Stripe money: amounts are integers in the currency's minor unit (cents for
 * USD, yen for JPY, 1/1000 for KWD …). Pure functions, no I/O.
 */

/** Currencies Stripe counts in whole units (https://docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
/** Currencies Stripe counts in thousandths. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

export function minorDigits(currency: string): number {
  const c = currency.toLowerCase();
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
}

/** 4950 USD -> 49.5 */
export function toMajor(minor: number, currency: string): number {
  const d = minorDigits(currency);
  return Math.round(minor) / 10 ** d;
}

/** 4950 usd -> "49.50 USD" (plain, the same in every locale: e-mails are read anywhere). */
export function amountText(minor: number, currency: string): string {
  const d = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.round(minor));
  const major = Math.floor(abs / 10 ** d);
  const frac = d ? '.' + String(abs % 10 ** d).padStart(d, '0') : '';
  return `${sign}${major.toLocaleString('en-US')}${frac} ${currency.toUpperCase()}`;
}

/** Months per billing interval: a price billed every `count` `interval`s, as a share of a month. */
const PER_MONTH: Record<string, number> = { day: 365 / 12, week: 52 / 12, month: 1, year: 1 / 12 };

/**
 * The monthly amount (minor units) of a recurring price: unit amount × quantity,
 * normalised to a month (a yearly 1,200 is 100 a month; a weekly 10 is 43.33).
 * One-time and metered prices without a unit amount count 0.
 */
export function monthly(unitAmount: number | null | undefined, quantity: number, interval: string | null | undefined, intervalCount: number | null | undefined): number {
  if (unitAmount === null || unitAmount === undefined || !interval) return 0;
  const factor = PER_MONTH[interval];
  if (factor === undefined) return 0;
  return Math.round((unitAmount * quantity * factor) / Math.max(1, intervalCount ?? 1));
}
