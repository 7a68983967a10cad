// The monitoring step alone, in this process: what observing one scored row costs (ids, bin
// codes, the drift window, held predictions) and what writing it to the prediction log adds
// (JSON line, gzip, file), next to predictRecords() for the same row. CPU time in alternating
// rounds (interleaved()), which a busy shared machine disturbs far less than req/s.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Prediction, PredictionItem } from "~/api/schemas";
import type { LoadedModel } from "~/inference/model.server";
import type { ObservedBatch } from "~/inference/monitor/batch";
import { CaptureLog } from "~/inference/monitor/capture.server";
import { predictionLines } from "~/inference/monitor/lines";
import { monitorModelLoaded, observeBatch, startMonitor } from "~/inference/monitor/monitor.server";
import { observePredictions } from "~/inference/monitor/observe.server";
import { createSink } from "~/inference/monitor/sink.server";
import { predictRecords } from "~/inference/predict.server";
import { uncountedMeter, type PredictionMeter } from "~/inference/meter.server";
import type { PropertyRecord } from "~/ml/schema";
import { interleaved } from "./in-process";

export type MonitoringStepCost = {
  predict_us: number;
  monitor_us: number;
  monitor_and_capture_us: number;
  monitor_vs_predict: number;
  capture_vs_predict: number;
};

export async function benchMonitoringStep(
  model: LoadedModel,
  record: Record<string, unknown>,
  seconds: number,
): Promise<MonitoringStepCost> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-step-"));
  // Read once by the observe step: every row is sampled, as in the HTTP scenario.
  process.env.MONITOR_ENABLED = "true";
  process.env.CAPTURE_URI = dir;
  process.env.CAPTURE_SAMPLE = "1";
  startMonitor({
    monitorWindowRows: 1000,
    monitorPsiThreshold: 0.25,
    monitorHeldPredictions: 50_000,
  });
  monitorModelLoaded(model);
  const sink = await createSink(
    { monitorEnabled: true, uri: dir, captureSample: 1, rotateBytes: 4 << 20, rotateSeconds: 300 },
    {
      awsRegion: "us-east-1",
      s3Endpoint: undefined,
      s3ForcePathStyle: false,
    },
  );
  const log = new CaptureLog(sink, { rotateBytes: 4 << 20, rotateSeconds: 300 });
  const silent = uncountedMeter;
  const observing = (capture: boolean): PredictionMeter => ({
    ...silent,
    observed: (batch: ObservedBatch) => {
      // Lines first: observeBatch frees the batch.
      if (capture) for (const line of predictionLines(batch)) log.write(line);
      observeBatch(batch);
    },
  });
  const scored = (await predictRecords(model, [record], { meter: silent }))
    .predictions[0] as Prediction;
  const valid = [record as PropertyRecord];
  const step = (capture: boolean) => {
    const meter = observing(capture);
    return async () => {
      const items: PredictionItem[] = [{ ...scored, prediction_id: undefined }];
      observePredictions(model, valid, [0], items, meter, "api");
    };
  };
  const predict = () => predictRecords(model, [record], { meter: silent });
  const ms = (seconds * 1000) / 2;
  const monitor = await interleaved(step(false), predict, ms);
  const both = await interleaved(step(true), predict, ms);
  await log.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    predict_us: monitor.b_us,
    monitor_us: monitor.a_us,
    monitor_and_capture_us: both.a_us,
    monitor_vs_predict: monitor.ratio,
    capture_vs_predict: both.ratio,
  };
}
