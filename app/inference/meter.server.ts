import type { ObservedBatch } from "./monitor/batch";

// Where predictRecords() reports its counters. On the event loop they go straight to the
// process's Prometheus registry (process-meter.server.ts, which its callers pass in); a
// scoring worker thread has no registry of its own that anyone scrapes, so it records the
// calls and the event loop replays them (threads.server.ts). This module imports no metrics
// client or logger: the threads' code stays without them (ADR 0060).

export type PredictionSource = "api" | "dashboard" | "batch";

export type PredictionMeter = {
  invalidRows(count: number): void;
  inferenceFailed(): void;
  predicted(source: PredictionSource, rows: number, batchRows: number): void;
  /** The scored rows, for drift, feedback and the prediction log (app/inference/monitor). */
  observed(batch: ObservedBatch): void;
};

export type MeterEvent =
  | ["invalidRows", number]
  | ["inferenceFailed"]
  | ["predicted", PredictionSource, number, number]
  | ["observed", ObservedBatch];

/** Counts nothing: predictRecords()'s default, for callers outside the serving paths. */
export const uncountedMeter: PredictionMeter = {
  invalidRows: () => {},
  inferenceFailed: () => {},
  predicted: () => {},
  observed: () => {},
};

/** A meter that only records, for a worker thread to send back with its result. */
export function recordingMeter(): { meter: PredictionMeter; events: MeterEvent[] } {
  const events: MeterEvent[] = [];
  return {
    events,
    meter: {
      invalidRows: (count) => events.push(["invalidRows", count]),
      inferenceFailed: () => events.push(["inferenceFailed"]),
      predicted: (source, rows, batchRows) => events.push(["predicted", source, rows, batchRows]),
      observed: (batch) => events.push(["observed", batch]),
    },
  };
}

export function replayMeterEvents(events: readonly MeterEvent[], meter: PredictionMeter): void {
  for (const event of events) {
    if (event[0] === "invalidRows") meter.invalidRows(event[1]);
    else if (event[0] === "inferenceFailed") meter.inferenceFailed();
    else if (event[0] === "predicted") meter.predicted(event[1], event[2], event[3]);
    else meter.observed(event[1]);
  }
}
