import { getMetrics } from "~/lib/metrics.server";
import type { PredictionMeter } from "./meter.server";
import { observeBatch } from "./monitor/monitor.server";

// The event loop's meter: counters into the process's Prometheus registry, scored rows to
// the monitor. Kept apart from meter.server.ts so that a scoring thread, which only records
// (recordingMeter), loads neither prom-client nor the logger (ADR 0060).

let processMeter: PredictionMeter | undefined;

export function prometheusMeter(): PredictionMeter {
  if (processMeter) return processMeter;
  const metrics = getMetrics();
  return (processMeter = {
    invalidRows: (count) => metrics.predictionErrors.inc({ type: "validation" }, count),
    inferenceFailed: () => metrics.predictionErrors.inc({ type: "inference" }),
    predicted: (source, rows, batchRows) => {
      metrics.rowsPredicted.inc({ source }, rows);
      metrics.batchSize.observe(batchRows);
    },
    observed: observeBatch,
  });
}
