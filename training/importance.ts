// Model-card importance: XGBoost split gain (loss_changes) summed per human-readable factor.
import { featureFactor } from "~/ml/features";
import type { XgbModelJson } from "./xgboost";

export function gainByFeature(
  model: XgbModelJson,
  features: readonly string[],
): Map<string, number> {
  const gain = new Map<string, number>();
  for (const t of model.learner.gradient_booster.model.trees) {
    const loss = t.loss_changes as number[];
    t.left_children.forEach((l, i) => {
      if (l === -1) return;
      const name = features[t.split_indices[i]];
      gain.set(name, (gain.get(name) ?? 0) + loss[i]);
    });
  }
  return gain;
}

/** Share of total gain per factor, largest first (shares sum to 1). */
export function factorImportance(
  model: XgbModelJson,
  features: readonly string[],
): { factor: string; gain: number }[] {
  const byFactor = new Map<string, number>();
  let total = 0;
  for (const [name, g] of gainByFeature(model, features)) {
    const f = featureFactor(name);
    byFactor.set(f, (byFactor.get(f) ?? 0) + g);
    total += g;
  }
  return [...byFactor.entries()]
    .map(([factor, g]) => ({ factor, gain: Number((g / total).toFixed(5)) }))
    .sort((a, b) => b.gain - a.gain || (a.factor < b.factor ? -1 : 1));
}
