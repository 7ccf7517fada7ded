/**
 * Task durations are kept in the rollups as counts per bin, so a p95 over any range is a sum of a few rows instead of
 * a sort of every task. Bin i holds durations in (bound[i-1], bound[i]] ms; the last bin is open-ended. The bounds
 * grow by about 1.5× each step, so an estimate is off by at most the width of one bin (interpolated linearly inside
 * it and never above the largest duration seen).
 *
 * The bins are columns of `task_rollups`: changing them needs a migration that adds columns and rebuilds the rollups.
 */
export const DURATION_BOUNDS_MS = [
  1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000,
  450_000, 600_000, 900_000, 1_200_000, 1_800_000, 2_700_000, 3_600_000, 7_200_000,
] as const;

export const DURATION_BIN_COLUMNS = [
  'd00', 'd01', 'd02', 'd03', 'd04', 'd05', 'd06', 'd07', 'd08', 'd09', 'd10', 'd11',
  'd12', 'd13', 'd14', 'd15', 'd16', 'd17', 'd18', 'd19', 'd20', 'd21', 'd22', 'd23',
] as const;
export type DurationBinColumn = (typeof DURATION_BIN_COLUMNS)[number];

if (DURATION_BIN_COLUMNS.length !== DURATION_BOUNDS_MS.length + 1) throw new Error('one bin column per bound, plus the open-ended bin');

/** The bin a duration falls in. */
export function binOf(durationMs: number): number {
  for (let i = 0; i < DURATION_BOUNDS_MS.length; i++) if (durationMs <= DURATION_BOUNDS_MS[i]!) return i;
  return DURATION_BOUNDS_MS.length;
}

/** The [lower, upper] ms a bin covers; the open-ended bin's upper is Infinity. */
export function binRange(bin: number): [number, number] {
  return [bin === 0 ? 0 : DURATION_BOUNDS_MS[bin - 1]!, DURATION_BOUNDS_MS[bin] ?? Infinity];
}

/**
 * The q-quantile (0 < q ≤ 1, nearest rank) estimated from bin counts: the bin holding that rank, interpolated
 * linearly by the rank's position inside the bin, and capped at the largest duration seen (which also closes the
 * open-ended bin). Null when there is nothing to estimate from.
 */
export function quantileFromBins(counts: readonly number[], q: number, maxMs: number | null): number | null {
  // Plain loops, no intermediate arrays: a chart asks this of every one of its thousands of points.
  let total = 0;
  for (let bin = 0; bin < counts.length; bin++) total += counts[bin] ?? 0;
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let before = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    const n = counts[bin] ?? 0;
    if (n > 0 && before + n >= rank) {
      const lower = bin === 0 ? 0 : DURATION_BOUNDS_MS[bin - 1]!;
      const upper = DURATION_BOUNDS_MS[bin] ?? Math.max(maxMs ?? lower, lower);
      const estimate = lower + ((upper - lower) * (rank - before)) / n;
      return Math.round(maxMs !== null && maxMs > 0 ? Math.min(estimate, maxMs) : estimate);
    }
    before += n;
  }
  return null;
}
