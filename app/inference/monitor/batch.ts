import type { PropertyRecord } from "~/ml/schema";
import type { PredictionSource } from "../meter.server";

/**
 * What the monitor learns from one predictRecords() call. Every per-row figure lives in one
 * buffer (`buffer`, viewed by the typed arrays below), so a scoring thread moves it to the
 * event loop in one piece and the monitor frees it once observed: the event loop makes no
 * object or string per row, and no garbage waits there for a collection (ADR 0068).
 */
export type ObservedBatch = {
  version: string;
  source: PredictionSource;
  /** Milliseconds since the epoch, when the rows were scored. */
  time: number;
  rows: number;
  buffer: ArrayBuffer;
  /** 16 bytes per row (prediction-ids.server.ts); all zero for a row without a prediction. */
  ids: Uint8Array;
  price: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** The static (calibrated, before recalibration) log half-width of each interval. */
  half: Float64Array;
  /** Each interval's group: an index into `groups`. */
  group: Uint8Array;
  groups: string[];
  level: number;
  /** Reference bin codes, `fields` per row (app/monitoring/bins.ts); empty without a reference. */
  codes: Uint8Array;
  fields: number;
  /** Rows picked for the prediction log (CAPTURE_SAMPLE): their index, inputs and imputed fields. */
  captured: { row: number; record: PropertyRecord; imputed: string[] }[];
};

export type BatchMeta = Pick<ObservedBatch, "version" | "source" | "time" | "level">;

/** An empty batch of `rows` rows with `fields` bin codes each, its arrays in one buffer. */
export function newObservedBatch(rows: number, fields: number, meta: BatchMeta): ObservedBatch {
  // The Float64 arrays first: their offsets must be multiples of 8.
  const floats = rows * 8;
  const buffer = new ArrayBuffer(4 * floats + rows * (16 + 1 + fields));
  const f64 = (k: number) => new Float64Array(buffer, k * floats, rows);
  const bytes = (at: number, length: number) => new Uint8Array(buffer, at, length);
  return {
    ...meta,
    rows,
    buffer,
    price: f64(0),
    lower: f64(1),
    upper: f64(2),
    half: f64(3),
    ids: bytes(4 * floats, rows * 16),
    group: bytes(4 * floats + rows * 16, rows),
    groups: [],
    codes: bytes(4 * floats + rows * 17, rows * fields),
    fields,
    captured: [],
  };
}

/** The index of group `name` in `batch.groups`, added on first use. */
export function groupIndex(batch: ObservedBatch, name: string): number {
  let k = batch.groups.indexOf(name);
  if (k < 0) k = batch.groups.push(name) - 1;
  // Groups are a calibration's cells (app/ml/calibration.ts): a handful per model.
  if (k > 255) throw new Error(`more than 256 interval groups in one batch`);
  return k;
}
