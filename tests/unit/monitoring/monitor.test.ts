// The server-side monitor without HTTP: a bundle without reference statistics, and the
// prediction log's bounded queue in front of a sink that never answers.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { LoadedModel } from "~/inference/model.server";
import { CaptureLog, MAX_PENDING_FILES } from "~/inference/monitor/capture.server";
import {
  monitorModelLoaded,
  observeBatch,
  recordFeedback,
  startMonitor,
} from "~/inference/monitor/monitor.server";
import type { CaptureSink } from "~/inference/monitor/sink.server";
import { monitoringReport } from "~/inference/monitor/view.server";
import { uniformBatch } from "./observed-batches";
import { batchBuffers } from "~/inference/monitor/batch";

describe("a bundle without reference statistics", () => {
  it("loads, says 'no reference', and still joins feedback", () => {
    startMonitor({ monitorWindowRows: 100, monitorPsiThreshold: 0.25, monitorHeldPredictions: 10 });
    const model = { version: "old-bundle", manifest: { interval: { level: 0.9, q: 0.16 } } };
    monitorModelLoaded(model as unknown as LoadedModel);
    // A bundle without reference statistics: prices 200,000 with a log half-width of 0.16.
    const { batch, ids } = uniformBatch(2, { version: "old-bundle", half: 0.16 });
    observeBatch(batch);
    const report = monitoringReport();
    expect(report.reference).toMatchObject({ available: false, model_version: "old-bundle" });
    expect(report.reference.detail).toMatch(/no reference/);
    expect(report.features).toEqual([]);
    expect(report.window.rows).toBe(0);
    expect(
      recordFeedback([
        { prediction_id: ids[0], sale_price: 200_000 },
        { prediction_id: "z", sale_price: 1 },
      ]),
    ).toEqual(["recorded", "unknown"]);
    expect(monitoringReport().performance).toMatchObject({ labelled: 1, rmsle: 0, coverage: 1 });
  });

  it("frees a batch's memory once observed, and a batch observed twice counts once", () => {
    const { batch } = uniformBatch(200);
    const buffers = batchBuffers(batch);
    expect(buffers.length).toBeGreaterThan(0);
    observeBatch(batch);
    expect(buffers.map((b) => b.byteLength)).toEqual(buffers.map(() => 0)); // detached
    // A small batch keeps its memory (it stays in V8's heap): observed twice, counted once.
    const small = uniformBatch(3).batch;
    observeBatch(small);
    for (const again of [batch, small]) {
      const report = JSON.stringify(monitoringReport());
      observeBatch(again);
      expect(JSON.stringify(monitoringReport())).toBe(report);
    }
  });
});

describe("CaptureLog", () => {
  it("drops and counts files beyond the pending limit when the sink hangs, never queueing more", async () => {
    const stored: Buffer[] = [];
    let release = () => {};
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const sink: CaptureSink = {
      location: "memory",
      put: async (_name, body) => {
        await hanging;
        stored.push(body);
      },
    };
    const log = new CaptureLog(sink, { rotateBytes: 1024, rotateSeconds: 3600 });
    const line = JSON.stringify({ pad: "x".repeat(100) });
    for (let i = 0; i < 500; i++) log.write(line);
    // ~9 lines per file: 4 files wait for the sink, the rest were dropped as they closed.
    expect(log.counts.dropped).toBeGreaterThan(0);
    expect(log.counts.queued).toBeLessThanOrEqual((MAX_PENDING_FILES + 1) * 10);
    release();
    await log.stop();
    const lines = stored.flatMap((b) => gunzipSync(b).toString("utf8").split("\n").filter(Boolean));
    expect(lines.length + log.counts.dropped).toBe(500);
    expect(log.counts.written).toBe(lines.length);
    expect(log.counts.queued).toBe(0);
  });
});
