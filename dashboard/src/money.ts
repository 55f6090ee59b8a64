// Money arrives as exact decimal strings ("2000.00"). It is kept as integer cents (bigint) for any
// arithmetic the dashboard shows (average order value, change %), and formatted from its digits;
// a float is used only for chart heights.

/** Cents of a decimal string with at most 2 decimals ("-12.5" -> -1250n); null if malformed. */
export function toCents(amount: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) return null;
  const [, sign, whole = '0', frac = ''] = m;
  const cents = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** A decimal string of cents ("-1250" -> "-12.50"). */
export function centsToDecimal(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export const DEFAULT_CURRENCY = 'USD';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * The one money formatter: an amount (decimal string or cents) in `currency` (ISO 4217), through
 * Intl.NumberFormat given the decimal string itself (exact, no float: "1234567890123456789.99"
 * keeps its digits). `compact` is for chart axes ("$54K").
 */
export function formatMoney(
  amount: string | bigint | null | undefined,
  currency: string = DEFAULT_CURRENCY,
  opts: { compact?: boolean; locale?: string } = {},
): string {
  if (amount === null || amount === undefined) return '–';
  const cents = typeof amount === 'bigint' ? amount : toCents(amount);
  if (cents === null) return String(amount);
  const locale = opts.locale ?? (typeof navigator === 'undefined' ? 'en-US' : navigator.language);
  const id = `${locale}|${currency}|${opts.compact ? 'c' : ''}`;
  let f = moneyFormats.get(id);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, opts.compact ? { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 } : { style: 'currency', currency });
    } catch {
      // An unknown currency code from the API: the code, then the number.
      f = new Intl.NumberFormat(locale, { style: 'currency', currency: DEFAULT_CURRENCY, currencyDisplay: 'code' });
    }
    moneyFormats.set(id, f);
  }
  // A decimal string is formatted exactly (Intl.NumberFormat v3); its type is not in ES2022's lib.
  return f.format(centsToDecimal(cents) as unknown as number);
}

/** Whole numbers with grouping ("1,234"). */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/** `cents / count`, rounded half away from zero, or null when count is 0. */
export function divideCents(cents: bigint, count: number): bigint | null {
  if (count === 0) return null;
  const c = BigInt(count);
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const q = (abs * 2n + c) / (2n * c);
  return negative ? -q : q;
}

/** Change from `previous` to `current` in percent with 1 decimal, or null when previous is 0. */
export function changePct(current: bigint, previous: bigint): number | null {
  if (previous === 0n) return null;
  const diff = current - previous;
  const base = previous < 0n ? -previous : previous;
  // tenths of a percent, rounded half away from zero
  const negative = diff < 0n;
  const abs = negative ? -diff : diff;
  const tenths = (abs * 2000n + base) / (2n * base);
  return Number(negative ? -tenths : tenths) / 10;
}

/** "+12.3%", "-4.0%", "–" for null. */
export function formatPct(pct: number | null): string {
  if (pct === null) return '–';
  const s = Math.abs(pct).toFixed(1);
  return `${pct > 0 ? '+' : pct < 0 ? '-' : '±'}${s}%`;
}

/** A float for chart heights only. */
export function chartNumber(amount: string | null | undefined): number {
  return amount ? Number(amount) : 0;
}
