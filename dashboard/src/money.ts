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

/** "53500.00" -> "53,500.00"; cents or a decimal string. */
export function formatMoney(amount: string | bigint | null | undefined): string {
  if (amount === null || amount === undefined) return '–';
  const cents = typeof amount === 'bigint' ? amount : toCents(amount);
  if (cents === null) return String(amount);
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
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
export function chartNumber(amount: string): number {
  return Number(amount);
}
