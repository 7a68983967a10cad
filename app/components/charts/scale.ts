// Minimal scales and axis ticks for the hand-rolled SVG charts. Browser-safe.

export type Scale = (value: number) => number;

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the range midpoint. */
export function linearScale(
  [d0, d1]: readonly [number, number],
  [r0, r1]: readonly [number, number],
): Scale {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Ticks for a log axis: 1, 2 and 5 × 10^n inside [min, max] (min > 0). */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const ticks: number[] = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

/** Compact money for axis labels: 150000 → "$150k", 1200000 → "$1.2M". */
export function compactPrice(value: number): string {
  if (value >= 1e6) return `$${Number((value / 1e6).toFixed(1))}M`;
  if (value >= 1e3) return `$${Number((value / 1e3).toFixed(0))}k`;
  return `$${Math.round(value)}`;
}
