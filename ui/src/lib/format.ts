// Presentation helpers only: how numbers and dates read, never what they are.

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1000000 → "1,000,000". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return countFormat.format(n);
}

/** "1 row" / "2 rows" with thousands separators. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** An RFC 3339 timestamp from the engine, shown in local time; the raw text if unparseable. */
export function formatDateTime(text: string | null | undefined): string {
  if (!text) return '';
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  return dateTimeFormat.format(date);
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A match weight in bits with its sign: 4.214 → "+4.2", -0.04 → "−0.0". */
export function formatBits(bits: number | null | undefined, digits = 1): string {
  if (bits === null || bits === undefined || !Number.isFinite(bits)) return '—';
  const text = Math.abs(bits).toFixed(digits);
  return `${bits < 0 && Number(text) !== 0 ? '−' : '+'}${text}`;
}

/** A share 0..1 as a percentage: 0.9956 → "99.6%". */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return `${(share * 100).toFixed(digits)}%`;
}
