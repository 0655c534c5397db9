/** Small statistics helpers; percentiles interpolate linearly between closest ranks. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? Number.NaN;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export interface Spread {
  n: number;
  p25: number;
  median: number;
  p75: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function spread(values: readonly number[]): Spread {
  return {
    n: values.length,
    p25: percentile(values, 25),
    median: percentile(values, 50),
    p75: percentile(values, 75),
    p99: percentile(values, 99),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: values.length
      ? values.reduce((sum, value) => sum + value, 0) / values.length
      : Number.NaN,
  };
}

/** Least-squares line through (x, y) points: slope, intercept and the slope's standard error. */
export function linearFit(points: readonly { x: number; y: number }[]): {
  slope: number;
  intercept: number;
  slopeStdError: number;
} {
  const n = points.length;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const { x, y } of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residual = points.reduce((sum, { x, y }) => sum + (y - (intercept + slope * x)) ** 2, 0);
  const slopeStdError = n > 2 ? Math.sqrt(residual / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, slopeStdError };
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
