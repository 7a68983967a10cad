import type { ModelDescription } from "~/api/schemas";
import { FIELDS } from "~/ml/fields";
import type { LoadedModel } from "./model.server";

/** The public description of the serving model: version, metrics and the request fields. */
export function modelDescription(model: LoadedModel): ModelDescription {
  const m = model.manifest;
  return {
    model_version: m.version,
    created_at: m.created_at,
    algorithm: `XGBoost ${m.xgboost.version} (${m.xgboost.n_trees} trees) exported to ONNX`,
    training_data: { rows: m.data.rows, sha256: m.data.sha256, split: m.data.split },
    metrics: m.metrics,
    interval: { level: m.interval.level, method: "split-conformal on 2009 residuals (log space)" },
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
