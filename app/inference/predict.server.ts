import {
  isRowError,
  type Prediction,
  type PredictionItem,
  type PredictResponse,
} from "~/api/schemas";
import { InvalidInputError, PredictionError } from "~/lib/errors.server";
import { featurize } from "~/ml/features";
import { cents } from "~/ml/interval";
import type { PropertyRecord } from "~/ml/schema";
import { observePredictions } from "./monitor/observe.server";
import { uncountedMeter, type PredictionMeter, type PredictionSource } from "./meter.server";
import type { LoadedModel } from "./model.server";
import { runOrt } from "./onnx.server";
import { checkRecord } from "./record-check.server";
import { explainPrediction, rowTrust } from "./trust.server";

// The predict step every caller shares: validate → features → ONNX → one item per record,
// each with its trust data (trust.server.ts).

export type PredictOptions = {
  /** Add TreeSHAP factor contributions (log-price units) to each prediction. */
  explain?: boolean;
  /** Add up to 5 comparable training sales, with adjusted prices, to each prediction. */
  comparables?: boolean;
  /** Fail the whole request (422) if any record is invalid. */
  strict?: boolean;
  /** Answer row errors even when every record is invalid, instead of a 422 (batch files). */
  keepAllInvalid?: boolean;
  /** Metrics label: who asked. */
  source?: PredictionSource;
  /**
   * Where the counters go: the event loop's callers pass the process's (inference.server.ts),
   * a worker thread records them for the event loop. Default: counted nowhere.
   */
  meter?: PredictionMeter;
  /** Row number of inputs[0] in error reports (CSV uploads count from their first data row). */
  firstRow?: number;
};

/**
 * Exact TreeSHAP costs an order of magnitude more per row than the prediction (ADR 0020), so
 * explanations are capped per request to keep one caller from stalling the event loop.
 */
export const MAX_EXPLAIN_ROWS = 200;
/**
 * Comparables cost a few µs per row, but add ~1.5 KB of JSON to each: capped so that one
 * request's answer stays a few MB (ADR 0023).
 */
export const MAX_COMPARABLES_ROWS = 1000;

function checkCap(on: boolean | undefined, n: number, path: string, max: number, what: string) {
  if (on && n > max) {
    throw new InvalidInputError(`${what} are limited to ${max} records per request; got ${n}.`, [
      { path, message: `allowed for at most ${max} records per request` },
    ]);
  }
}

function checkCaps(options: PredictOptions, n: number): void {
  checkCap(options.explain, n, "explain", MAX_EXPLAIN_ROWS, "Explanations");
  checkCap(options.comparables, n, "comparables", MAX_COMPARABLES_ROWS, "Comparable sales");
}

export async function predictRecords(
  model: LoadedModel,
  inputs: readonly unknown[],
  options: PredictOptions = {},
): Promise<PredictResponse> {
  checkCaps(options, inputs.length);
  const meter = options.meter ?? uncountedMeter;
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
      items[i] = { status: "error", error: { row: firstRow + i, errors: result.issues } };
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

  const { matrix, nFeatures } = features;
  const withComparables = options.comparables === true;
  for (let k = 0; k < valid.length; k++) {
    const logPred = logPreds[k];
    const imputed = features.imputed[k];
    const at = k * nFeatures;
    const trust = rowTrust(model, valid[k], imputed, logPred, matrix, at, withComparables);
    const prediction: Prediction = {
      status: "ok",
      price: cents(Math.exp(logPred)),
      interval: trust.interval,
      imputed,
      warnings: trust.warnings,
    };
    if (options.explain) {
      const x = matrix.subarray(at, at + nFeatures);
      Object.assign(prediction, explainPrediction(model, x, imputed));
    }
    if (trust.comparables) prediction.comparables = trust.comparables;
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
