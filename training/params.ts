// Recorded hyper-parameters: the best configuration found by `train --search` (training/tune.ts,
// scored on the 2009 eval split). The default `npm run train` uses these, so it is fast and
// deterministic.
import type { XgbParams } from "./xgboost";

export const BEST_PARAMS: XgbParams = {
  eta: 0.03,
  max_depth: 3,
  min_child_weight: 1,
  subsample: 0.7,
  colsample_bytree: 0.4,
  lambda: 3,
  alpha: 0.01,
  gamma: 0,
};

export const MAX_ROUNDS = 2000;
export const EARLY_STOPPING_ROUNDS = 100;
export const SEED = 42;
