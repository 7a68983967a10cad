// Categorical encoders: JSON-serialisable state + the per-value transform + the fitting code.
// Pure (no node imports) so the same definitions serve training and inference.

/** Smoothed mean of a target per level; levels the training split never saw get `prior`. */
export type TargetEncoder = { prior: number; smoothing: number; map: Record<string, number> };

/** Share of training rows per level; a level the training split never saw has share 0. */
export type FrequencyEncoder = { map: Record<string, number> };

export function fitTargetEncoder(
  levels: readonly string[],
  target: ArrayLike<number>,
  smoothing: number,
  prior?: number,
): TargetEncoder {
  const sums = new Map<string, { sum: number; n: number }>();
  let total = 0;
  for (let i = 0; i < levels.length; i++) {
    const s = sums.get(levels[i]) ?? { sum: 0, n: 0 };
    s.sum += target[i];
    s.n += 1;
    sums.set(levels[i], s);
    total += target[i];
  }
  const p = prior ?? (levels.length > 0 ? total / levels.length : 0);
  const map: Record<string, number> = {};
  // Sorted keys: the serialised state (and so the bundle) does not depend on row order.
  for (const level of [...sums.keys()].sort()) {
    const { sum, n } = sums.get(level)!;
    map[level] = (sum + smoothing * p) / (n + smoothing);
  }
  return { prior: p, smoothing, map };
}

export function fitFrequencyEncoder(levels: readonly string[]): FrequencyEncoder {
  const counts = new Map<string, number>();
  for (const l of levels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const map: Record<string, number> = {};
  for (const level of [...counts.keys()].sort()) map[level] = counts.get(level)! / levels.length;
  return { map };
}

/** Compiled lookups (built once per encoder state, not per row). */
export function targetLookup(enc: TargetEncoder): (level: string) => number {
  const m = new Map(Object.entries(enc.map));
  return (level) => m.get(level) ?? enc.prior;
}

export function frequencyLookup(enc: FrequencyEncoder): (level: string) => number {
  const m = new Map(Object.entries(enc.map));
  return (level) => m.get(level) ?? 0;
}

/** Deterministic 32-bit PRNG (mulberry32) in [0, 1): the same seed, the same sequence. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic k-fold assignment (seeded Fisher–Yates) for out-of-fold target encoding. */
export function assignFolds(n: number, k: number, seed: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const folds = new Int32Array(n);
  order.forEach((row, pos) => (folds[row] = pos % k));
  return folds;
}
