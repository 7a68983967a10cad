// Explanations as people read them: feature contributions (log-price units) summed into
// human-readable factors, and told apart by whether they rest on what the user gave or on
// values filled in from the training data. Pure.

/** Sums feature contributions into human-readable factors, largest |value| first. */
export function groupContributions(
  contributions: ArrayLike<number>,
  featureNames: readonly string[],
  factorOf: (name: string) => string,
): { factor: string; value: number }[] {
  return groupContributionsBySource(contributions, featureNames, factorOf, () => [], []).map(
    ({ factor, value }) => ({ factor, value }),
  );
}

export type SourcedContribution = {
  factor: string;
  value: number;
  /** True when every field behind this part of the factor was filled in, none given. */
  imputed: boolean;
};

/**
 * Sums contributions per factor and per provenance: a feature counts as imputed when all the
 * raw fields it is computed from (`sourcesOf`, e.g. features/definitions featureSources) were
 * imputed. A factor can then appear twice, once for what was given and once for what was filled
 * in. Largest |value| first; the sum over all entries equals the sum of the contributions.
 */
export function groupContributionsBySource(
  contributions: ArrayLike<number>,
  featureNames: readonly string[],
  factorOf: (name: string) => string,
  sourcesOf: (name: string) => readonly string[],
  imputed: readonly string[],
): SourcedContribution[] {
  if (contributions.length !== featureNames.length) {
    throw new Error(`${contributions.length} contributions for ${featureNames.length} features`);
  }
  const filled = new Set(imputed);
  const sums = new Map<string, SourcedContribution>();
  featureNames.forEach((name, i) => {
    const sources = sourcesOf(name);
    const isImputed = sources.length > 0 && sources.every((f) => filled.has(f));
    const factor = factorOf(name);
    const key = `${isImputed ? 1 : 0}${factor}`;
    const entry = sums.get(key) ?? { factor, value: 0, imputed: isImputed };
    entry.value += contributions[i];
    sums.set(key, entry);
  });
  return [...sums.values()].sort(
    (a, b) =>
      Math.abs(b.value) - Math.abs(a.value) ||
      (a.factor < b.factor ? -1 : a.factor > b.factor ? 1 : Number(a.imputed) - Number(b.imputed)),
  );
}

/** The explanation's base value (expected log price) as a price in USD. */
export function basePrice(baseLog: number): number {
  return Math.exp(baseLog);
}
