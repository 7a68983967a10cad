import type { Config } from "~/lib/config.server";
import { getLogger } from "~/lib/logger.server";
import { releaseBytes } from "~/lib/release-bytes.server";
import { singleton } from "~/lib/singleton.server";
import { compileBinner, MISSING, binOf, type Binner } from "~/monitoring/bins";
import { PerformanceTracker, type Performance } from "~/monitoring/performance";
import type { PoolFactor, Recalibrator } from "~/monitoring/recalibrate";
import { DriftWindow, type DriftSnapshot } from "~/monitoring/window";
import type { LoadedModel } from "../model.server";
import { batchBuffers, type ObservedBatch } from "./batch";
import { type CaptureLog } from "./capture.server";
import { feedbackLine, predictionLines } from "./lines";
import { HeldPredictions } from "./held";
import { hasId, ID_BYTES, parseId } from "./prediction-ids.server";
import { registerMonitorMetrics } from "./metrics.server";
import { newRecalibrator, RECALIBRATION, useRecalibration } from "./recalibrate.server";

// The process's monitor (ADR 0042–0044): the drift window of the serving model, the recent
// predictions feedback can join, live accuracy, cumulative per-bin counts for the fleet view,
// and the prediction log. Fed on the event loop by the meter (rows scored on threads arrive
// with their counters); inactive until the server calls startMonitor().

type Settings = Pick<
  Config,
  "monitorWindowRows" | "monitorPsiThreshold" | "monitorHeldPredictions"
> &
  Partial<Pick<Config, "recalibrateIntervals">>;

type MonitorState = {
  settings: Settings | undefined;
  version: string | undefined;
  binner: Binner | undefined;
  window: DriftWindow | undefined;
  /** Per field, per bin (the last slot = missing): rows seen since the model was loaded. */
  totals: Float64Array[];
  held: HeldPredictions;
  performance: PerformanceTracker;
  capture: CaptureLog | undefined;
  feedback: { recorded: number; updated: number; unknown: number };
  /** The serving model's online recalibration (ADR 0050); undefined when switched off. */
  recalibrator: Recalibrator | undefined;
};

const state: MonitorState = singleton("model-monitor", () => ({
  settings: undefined,
  version: undefined,
  binner: undefined,
  window: undefined,
  totals: [],
  held: new HeldPredictions(0),
  performance: new PerformanceTracker(),
  capture: undefined,
  feedback: { recorded: 0, updated: 0, unknown: 0 },
  recalibrator: undefined,
}));

export const monitorState = (): Readonly<MonitorState> => state;

export function startMonitor(settings: Settings, capture?: CaptureLog): void {
  state.settings = settings;
  state.held = new HeldPredictions(settings.monitorHeldPredictions);
  state.capture = capture;
  state.recalibrator = newRecalibrator(settings.recalibrateIntervals === true);
  registerMonitorMetrics();
}

/** A new serving model: a new window on its reference (none: "no reference"). */
export function monitorModelLoaded(model: LoadedModel): void {
  if (!state.settings) return;
  const reference = model.manifest.reference;
  state.version = model.version;
  // Scores are relative to a model's own intervals: a new model starts from its calibration.
  state.recalibrator = newRecalibrator(state.settings.recalibrateIntervals === true);
  state.binner = reference ? compileBinner(reference) : undefined;
  state.window = state.binner
    ? new DriftWindow(state.binner, state.settings.monitorWindowRows)
    : undefined;
  state.totals = state.binner?.fields.map((f) => new Float64Array(f.reference.length + 1)) ?? [];
  if (!reference) getLogger().warn("model has no reference statistics: drift is not measured");
}

/**
 * Rows just scored (on the event loop or a thread): window, totals, held, prediction log.
 * A batch is observed once: its larger arrays' memory is freed here.
 */
export function observeBatch(batch: ObservedBatch): void {
  const buffers = batchBuffers(batch);
  try {
    if (state.settings) observe(batch);
  } finally {
    // Emptied, so a second call counts nothing and reads no freed array.
    batch.rows = 0;
    batch.captured = [];
    for (const buffer of buffers) releaseBytes(buffer);
  }
}

function observe(batch: ObservedBatch): void {
  const { window, totals, held } = state;
  const inWindow = window && batch.version === state.version && batch.fields === totals.length;
  for (let k = 0; k < batch.rows; k++) {
    if (!hasId(batch.ids, k)) continue;
    held.add(batch.ids, k * ID_BYTES, batch.price[k], batch.lower[k], batch.upper[k], {
      half: batch.half[k],
      group: batch.groups[batch.group[k]],
    });
    if (!inWindow) continue;
    const at = k * batch.fields;
    window.push(batch.codes, at, Math.log(batch.price[k]));
    for (let f = 0; f < batch.fields; f++) {
      const code = batch.codes[at + f];
      const bins = totals[f];
      bins[code === MISSING ? bins.length - 1 : binOf(code)]++;
    }
  }
  if (state.capture && batch.captured.length > 0) {
    for (const line of predictionLines(batch)) state.capture.write(line);
  }
}

export type FeedbackItem = { prediction_id: string; sale_price: number; sold_at?: string };
export type FeedbackOutcome = "recorded" | "updated" | "unknown";

const idBytes = new Uint8Array(ID_BYTES);

/** Joins sale prices with held predictions; each item's outcome in order. */
export function recordFeedback(items: readonly FeedbackItem[]): FeedbackOutcome[] {
  const time = new Date().toISOString();
  const outcomes = items.map((item): FeedbackOutcome => {
    const known = parseId(item.prediction_id, idBytes);
    const joined = known ? state.held.label(idBytes, item.sale_price) : undefined;
    let outcome: FeedbackOutcome = "unknown";
    if (joined?.previous) {
      state.performance.replace(joined.previous, joined.row);
      outcome = "updated";
    } else if (joined) {
      state.performance.add(joined.row);
      outcome = "recorded";
      // First reports only: the same sale reported again must not weigh twice.
      const { half, group } = joined.interval;
      state.recalibrator?.add(group, Math.abs(Math.log(item.sale_price / joined.row.price)), half);
    }
    state.feedback[outcome]++;
    state.capture?.write(feedbackLine(item, time, outcome !== "unknown"));
    return outcome;
  });
  if (state.recalibrator) useRecalibration(state.recalibrator.snapshot());
  return outcomes;
}

export type MonitoringView = {
  reference: boolean;
  model_version: string | null;
  threshold: number;
  drift: DriftSnapshot | undefined;
  performance: Performance;
  recalibration: RecalibrationView;
};

export type RecalibrationView = {
  enabled: boolean;
  window: number;
  min_count: number;
  min_factor: number;
  max_factor: number;
  /** Labelled predictions held per pool ("all": every pool). */
  scores: Record<string, number>;
  /** The factor each pool is served with; absent: its intervals are served as calibrated. */
  factors: Record<string, PoolFactor>;
};

function recalibrationView(): RecalibrationView {
  const r = state.recalibrator;
  return {
    enabled: r !== undefined,
    window: RECALIBRATION.window,
    min_count: RECALIBRATION.minCount,
    min_factor: RECALIBRATION.minFactor,
    max_factor: RECALIBRATION.maxFactor,
    scores: r?.counts() ?? {},
    factors: r?.snapshot().factors ?? {},
  };
}

export function monitoringView(): MonitoringView {
  const threshold = state.settings?.monitorPsiThreshold ?? 0.25;
  return {
    reference: state.binner !== undefined,
    model_version: state.version ?? null,
    threshold,
    drift: state.window?.snapshot(threshold),
    performance: state.performance.summary(),
    recalibration: recalibrationView(),
  };
}

/** Shutdown: the open prediction-log file is closed and stored. */
export async function stopMonitor(): Promise<void> {
  await state.capture?.stop();
}
