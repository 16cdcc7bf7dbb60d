/** How the reports write figures: grouped thousands, fixed decimals, a dash for a figure that is missing. */

/** A missing figure (CloudWatch had none, no request succeeded). */
export const MISSING = '–';

/** `value` with `decimals` decimals and grouped thousands, or MISSING. */
export function formatNumber(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A share (0-1) as a percentage. */
export function formatPercent(share: number | null | undefined, decimals = 1): string {
  return share === null || share === undefined ? MISSING : `${formatNumber(share * 100, decimals)}%`;
}

/** An amount of US dollars: cents, or more decimals for the fractions of a cent small amounts come to. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  // Two significant digits at least: $0.50, $0.012, $0.0012.
  const decimals = value === 0 ? 2 : Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(Math.abs(value)))));
  return `$${formatNumber(value, decimals)}`;
}
