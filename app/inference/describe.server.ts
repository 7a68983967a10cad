import type { ModelDescription } from "~/api/schemas";
import { FIELDS } from "~/ml/fields";
import { WARNING_CODES, WARNING_MEANINGS } from "~/ml/warnings";
import type { LoadedModel } from "./model.server";

/**
 * The public description of the serving model: version, metrics, how its intervals are
 * calibrated, what its warnings mean, the analyst's card, and the request fields.
 */
export function modelDescription(model: LoadedModel): ModelDescription {
  const m = model.manifest;
  const calib = m.calibration;
  const b = calib?.given_bounds;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return {
    model_version: m.version,
    created_at: m.created_at,
    algorithm: `XGBoost ${m.xgboost.version} (${m.xgboost.n_trees} trees)${m.explain.linear ? " + a linear part on log price" : ""} exported to ONNX`,
    training_data: { rows: m.data.rows, sha256: m.data.sha256, split: m.data.split },
    metrics: m.metrics,
    interval: calib
      ? {
          level: calib.level,
          method:
            "Split-conformal on out-of-sample backtest residuals (log space), one quantile per " +
            "group of what was given and the sale condition; widened for homes unlike the " +
            "training sales or outside their range, and by what the price extrapolates.",
          groups: calib.cells.map((c) => ({
            group: `${c.given}/${c.sale}`,
            given: c.given,
            sale: c.sale,
            n: c.n,
            half_width: c.q,
            upper_over_lower: Number(Math.exp(2 * c.q).toFixed(4)),
          })),
          given_levels: {
            full: `at most ${pct(b!.full)} of the optional information filled in`,
            most: `at most ${pct(b!.most)} filled in`,
            some: `at most ${pct(b!.some)} filled in`,
            required: "more filled in, or only the required fields given",
          },
          widening: {
            few_similar_homes_above: calib.sparse_above,
            factor: calib.sparse_factor,
            description:
              "Half-width × factor when the mean score of the 5 most similar training sales is " +
              "above the threshold or a given value is outside the training data; plus the " +
              "log-price change the linear part makes beyond the training range.",
          },
        }
      : {
          level: m.interval.level,
          method: "Split-conformal on backtest residuals (log space), one width for every row.",
          groups: [],
          given_levels: {},
        },
    warning_codes: WARNING_CODES.map((code) => ({ code, meaning: WARNING_MEANINGS[code] })),
    card: {
      training_window: m.card.training_window,
      shap_importance: m.card.shap_importance,
      holdout: m.card.holdout,
      baseline: m.card.baseline,
      calibration_table: m.card.calibration_table,
      comparables: m.card.comparables,
      monotonicity: m.card.monotonicity,
    },
    backtest: m.backtest,
    fields: FIELDS.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.kind,
      required: f.required,
      ...(f.unit ? { unit: f.unit } : {}),
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
      ...(f.levels ? { allowed_values: [...f.levels] } : {}),
      ...(f.description ? { description: f.description } : {}),
    })),
    required_fields: FIELDS.filter((f) => f.required).map((f) => f.name),
  };
}
