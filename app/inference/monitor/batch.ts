import type { PropertyRecord } from "~/ml/schema";
import type { PredictionSource } from "../meter.server";

/**
 * What the monitor learns from one predictRecords() call: typed arrays only, so the event loop
 * makes no object or string per row. A scoring thread moves their memory to the event loop
 * and the monitor frees it once observed (batchBuffers), so none waits there for a
 * collection (ADR 0068).
 */
export type ObservedBatch = {
  version: string;
  source: PredictionSource;
  /** Milliseconds since the epoch, when the rows were scored. */
  time: number;
  rows: number;
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

/** Bytes of one prediction id (a UUID's 16). */
export const ID_BYTES = 16;

export type BatchMeta = Pick<ObservedBatch, "version" | "source" | "time" | "level">;

/** An empty batch of `rows` rows with `fields` bin codes each. */
export function newObservedBatch(rows: number, fields: number, meta: BatchMeta): ObservedBatch {
  return {
    ...meta,
    rows,
    ids: new Uint8Array(rows * ID_BYTES),
    price: new Float64Array(rows),
    lower: new Float64Array(rows),
    upper: new Float64Array(rows),
    half: new Float64Array(rows),
    group: new Uint8Array(rows),
    groups: [],
    codes: new Uint8Array(rows * fields),
    fields,
    captured: [],
  };
}

/**
 * Smaller arrays are left to the collector: freeing them early saves nothing, and V8 keeps the
 * smallest (a row or two scored on the event loop) inside its heap, where reading `buffer`
 * would move them out.
 */
const OWN_MEMORY_BYTES = 1024;

/** The memory of a batch's larger arrays: moved from a thread, freed once observed. */
export function batchBuffers(batch: ObservedBatch): ArrayBuffer[] {
  const arrays = [batch.ids, batch.price, batch.lower, batch.upper, batch.half, batch.group];
  const own = [...arrays, batch.codes]
    .filter((a) => a.byteLength >= OWN_MEMORY_BYTES)
    // Only arrays that are their whole buffer: never a view into memory something else uses.
    .filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength)
    .map((a) => a.buffer as ArrayBuffer);
  return [...new Set(own)];
}

/** The index of `name` in `names`, added on first use: a handful of interval groups. */
export function nameIndex(names: string[], name: string): number {
  const k = names.indexOf(name);
  return k < 0 ? names.push(name) - 1 : k;
}

/** The index of group `name` in `batch.groups`, added on first use. */
export function groupIndex(batch: ObservedBatch, name: string): number {
  const k = nameIndex(batch.groups, name);
  // Groups are a calibration's cells (app/ml/calibration.ts): a handful per model.
  if (k > 255) throw new Error(`more than 256 interval groups in one batch`);
  return k;
}
