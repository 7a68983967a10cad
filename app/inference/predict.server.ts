import {
  isRowError,
  type Prediction,
  type PredictionItem,
  type PredictResponse,
} from "~/api/schemas";
import { InvalidInputError, PredictionError } from "~/lib/errors.server";
import { explainRow, groupContributions } from "~/ml/explain";
import { featureFactor, featurize } from "~/ml/features";
import { priceInterval } from "~/ml/interval";
import type { PropertyRecord } from "~/ml/schema";
import { observePredictions } from "./monitor/observe.server";
import { prometheusMeter, type PredictionMeter, type PredictionSource } from "./meter.server";
import type { LoadedModel } from "./model.server";
import { runOrt } from "./onnx.server";
import { checkRecord } from "./record-check.server";

// The predict step every caller shares: validate → features → ONNX → one item per record.

export type PredictOptions = {
  /** Add TreeSHAP factor contributions (log-price units) to each prediction. */
  explain?: boolean;
  /** Fail the whole request (422) if any record is invalid. */
  strict?: boolean;
  /** Answer row errors even when every record is invalid, instead of a 422 (batch files). */
  keepAllInvalid?: boolean;
  /** Metrics label: who asked. */
  source?: PredictionSource;
  /** Where the counters go (a worker thread records them for the event loop). */
  meter?: PredictionMeter;
  /** Row number of inputs[0] in error reports (CSV uploads count from their first data row). */
  firstRow?: number;
};

/**
 * Exact TreeSHAP costs an order of magnitude more per row than the prediction (ADR 0020), so
 * explanations are capped per request to keep one caller from stalling the event loop.
 */
export const MAX_EXPLAIN_ROWS = 200;

export async function predictRecords(
  model: LoadedModel,
  inputs: readonly unknown[],
  options: PredictOptions = {},
): Promise<PredictResponse> {
  if (options.explain && inputs.length > MAX_EXPLAIN_ROWS) {
    throw new InvalidInputError(
      `Explanations are limited to ${MAX_EXPLAIN_ROWS} records per request; got ${inputs.length}.`,
      [{ path: "explain", message: `allowed for at most ${MAX_EXPLAIN_ROWS} records per request` }],
    );
  }
  const meter = options.meter ?? prometheusMeter();
  const firstRow = options.firstRow ?? 0;
  const valid: PropertyRecord[] = [];
  const validAt: number[] = [];
  const items: PredictionItem[] = new Array(inputs.length);

  inputs.forEach((input, i) => {
    const result = checkRecord(input);
    if (result.ok) {
      valid.push(result.record);
      validAt.push(i);
    } else {
      items[i] = { error: { row: firstRow + i, errors: result.issues } };
    }
  });

  const failed = inputs.length - valid.length;
  if (failed > 0) meter.invalidRows(failed);
  if (failed > 0 && (options.strict || (valid.length === 0 && !options.keepAllInvalid))) {
    const issues = items.filter(isRowError).flatMap(({ error }) =>
      error.errors.map((e) => ({
        path: `records[${error.row}]${e.path ? `.${e.path}` : ""}`,
        message: e.message,
      })),
    );
    const what =
      inputs.length === 1
        ? "The record is invalid"
        : `${failed} of ${inputs.length} records are invalid`;
    throw new InvalidInputError(
      `${what}: ${issues
        .slice(0, 3)
        .map((e) => `${e.path} ${e.message}`)
        .join("; ")}${issues.length > 3 ? "; …" : ""}`,
      issues,
    );
  }

  let logPreds: Float32Array;
  let features: ReturnType<typeof featurize>;
  try {
    features = featurize(valid, model.featureState);
    logPreds = await runOrt(model.session, features.matrix, features.nRows, features.nFeatures);
  } catch (cause) {
    meter.inferenceFailed();
    throw new PredictionError("Model inference failed", { cause });
  }

  const { q, level } = model.manifest.interval;
  const baseScore = model.manifest.explain.base_score;
  for (let k = 0; k < valid.length; k++) {
    const logPred = logPreds[k];
    const prediction: Prediction = {
      price: Math.exp(logPred),
      interval: priceInterval(logPred, q, level),
      imputed: features.imputed[k],
    };
    if (options.explain) {
      const x = features.matrix.subarray(k * features.nFeatures, (k + 1) * features.nFeatures);
      const row = explainRow(model.explain, baseScore, x, features.nFeatures);
      prediction.base_value = row.base;
      prediction.contributions = groupContributions(
        row.contributions,
        model.manifest.features,
        featureFactor,
      );
    }
    items[validAt[k]] = prediction;
  }

  observePredictions(model, valid, validAt, items, meter, options.source ?? "api");
  meter.predicted(options.source ?? "api", valid.length, inputs.length);
  const warnings =
    failed > 0
      ? [`${failed} of ${inputs.length} records are invalid; see predictions[i].error.`]
      : [];
  return {
    model_version: model.version,
    predictions: items,
    warnings,
    counts: { ok: valid.length, failed },
  };
}
