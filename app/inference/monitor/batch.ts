import type { PropertyRecord } from "~/ml/schema";
import type { PredictionSource } from "../meter.server";

/**
 * What the monitor learns from one predictRecords() call: plain data (typed arrays and
 * strings), so a scoring thread can send it back to the event loop with its counters.
 */
export type ObservedBatch = {
  version: string;
  source: PredictionSource;
  /** Milliseconds since the epoch, when the rows were scored. */
  time: number;
  ids: string[];
  price: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** The static (calibrated, before recalibration) log half-width and group of each interval. */
  half: Float64Array;
  group: string[];
  level: number;
  /** Reference bin codes, `fields` per row (app/monitoring/bins.ts); empty without a reference. */
  codes: Uint8Array;
  fields: number;
  /** Rows picked for the prediction log (CAPTURE_SAMPLE): their index, inputs and imputed fields. */
  captured: { row: number; record: PropertyRecord; imputed: string[] }[];
};
