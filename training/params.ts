// Recorded hyper-parameters and the limits every trained model must respect. The default
// `npm run train` uses these, so it is fast and deterministic.
import type { XgbParams } from "./xgboost";

/**
 * eta 0.05 / colsample 0.3 at depth 3: chosen in the inference-cost study (docs/training.md,
 * ADR 0013). It scores the same on the 2009 eval split as the previous eta 0.03 / colsample 0.4
 * configuration (1.5841 vs 1.5837, inside the 1–2% seed noise) with half the trees.
 */
export const BEST_PARAMS: XgbParams = {
  eta: 0.05,
  max_depth: 3,
  min_child_weight: 1,
  subsample: 0.7,
  colsample_bytree: 0.3,
  lambda: 3,
  alpha: 0.01,
  gamma: 0,
};

export const MAX_ROUNDS = 2000;
export const EARLY_STOPPING_ROUNDS = 100;
export const SEED = 42;

/**
 * Inference-cost budget: internal nodes visited per row (trees × max_depth). ONNX Runtime's tree
 * ensemble costs ~4.9 ns per visit per row in batches and dominates batch scoring, so 2,400
 * visits ≈ 12 µs/row on the 2-core reference machine (the previous 1,609-tree bundle: ~4,800
 * visits, ~23 µs/row). It caps the boosting rounds by depth (`roundCap`), so every model the
 * pipeline fits — default run and search candidates — is within it by construction.
 */
export const INFERENCE_BUDGET_NODE_VISITS = 2400;

/** Upper bound of the internal nodes one row visits: every tree walked to its full depth. */
export function nodeVisitsPerRow(nTrees: number, maxDepth: number): number {
  return nTrees * maxDepth;
}

/**
 * Most boosting rounds a model of this depth may have within the budget (and `maxRounds`):
 * 1,200 at depth 2, 800 at depth 3, 600 at depth 4. Early stopping still picks the best round
 * inside the cap.
 */
export function roundCap(maxDepth: number, maxRounds = MAX_ROUNDS): number {
  if (!(Number.isInteger(maxDepth) && maxDepth > 0)) {
    throw new Error(`max_depth must be a positive integer, got ${maxDepth}`);
  }
  return Math.min(maxRounds, Math.floor(INFERENCE_BUDGET_NODE_VISITS / maxDepth));
}
