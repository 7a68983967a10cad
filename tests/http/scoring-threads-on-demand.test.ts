// The scoring threads start with the first work that needs one and end after a quiet spell
// (ADR 0048): the pool as the server and the batch CLI drive it, on the built thread entry,
// with a short idle timeout. The tasks are batch-file chunks, whose answers are plain data
// (a moved answer is unwrapped only by the piscina copy the thread was bundled with).
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MeterEvent } from "~/inference/meter.server";
import type { LoadedModel } from "~/inference/model.server";
import {
  anyThread,
  loadOnThreads,
  runningThreads,
  runOnThread,
  startThreads,
  stopThreads,
  threadsStatus,
  warmThreads,
  type PoolHost,
  type PoolLog,
  type Task,
} from "~/inference/threads.server";
import { planLayout } from "../../scripts/batch/columns";
import { ROOT, useServingModel } from "../unit/ml/serving-model";
import { amesRows, toCsv } from "./helpers/api-fixtures";
import { until } from "./helpers/http";

const WORKER = path.join(ROOT, "server-build/score-worker.js");
const servingModel = useServingModel();
afterEach(() => stopThreads());

const start = (host?: PoolHost) =>
  startThreads({
    filename: WORKER,
    threads: 2,
    minBytes: 0,
    intraOpNumThreads: 1,
    idleTimeoutMs: 200,
    host,
  });

const [header, ...lines] = toCsv(amesRows().slice(0, 3)).trimEnd().split("\n");
const layout = { ...planLayout(header.split(","), [], true), newline: "\n" as const };

/** Three rows of a batch file, scored on a thread. */
function score(m: Pick<LoadedModel, "dir" | "version"> = servingModel()) {
  const text = Buffer.from(`${lines.join("\n")}\n`);
  return runOnThread(anyThread()!, "csv-chunk", m, { text, records: 3, firstRow: 1, layout });
}

describe("scoring threads on demand", () => {
  it("none run until work needs one, and they end when idle; the next work starts one again", async () => {
    start();
    expect(runningThreads()).toBe(0);
    await warmThreads(servingModel()); // a bundle loaded with no thread running: nothing to warm
    expect(runningThreads()).toBe(0);

    const first = await score();
    expect(first).toMatchObject({ predicted: 3, failedRows: 0 });
    expect(runningThreads()).toBeGreaterThan(0);
    await until(() => runningThreads() === 0);
    expect(runningThreads()).toBe(0);

    expect(await score()).toEqual(first);
    expect(threadsStatus()).toMatchObject({ status: "ok", threads: 2 });
  });

  it("a running thread is warmed with a new bundle before it serves", async () => {
    start();
    await score();
    expect(runningThreads()).toBeGreaterThan(0);
    await expect(warmThreads(servingModel())).resolves.toBeUndefined();
    expect(threadsStatus().status).toBe("ok");
  });

  it("the batch CLI starts threads with the bundle loaded, or learns that it cannot", async () => {
    start();
    // The version as the threads read it: the CLI does not read the bundle itself.
    expect(await loadOnThreads({ dir: servingModel().dir })).toBe(servingModel().version);
    expect(runningThreads()).toBeGreaterThan(0);
    expect(await score()).toMatchObject({ predicted: 3 });
    const missing = { dir: path.join(ROOT, "models/no-such-bundle"), version: "x" };
    await expect(loadOnThreads(missing)).rejects.toMatchObject({ status: 503 });
  });

  it("a thread that cannot load the served bundle switches offloading off (the event loop scores)", async () => {
    start();
    const missing = { ...servingModel(), dir: path.join(ROOT, "models/no-such-bundle") };
    await expect(score(missing)).rejects.toMatchObject({ status: 503 });
    expect(anyThread()).toBeUndefined();
    expect(threadsStatus()).toMatchObject({
      status: "disabled",
      threads: 0,
      detail: expect.stringContaining("could not load"),
    });
  });

  it("reports to the host it was given: counters, answered tasks, problems; tasks carry its recalibration", async () => {
    const reports = {
      meter: [] as MeterEvent[],
      answered: [] as Task["kind"][],
      log: [] as string[],
    };
    const record =
      (level: string): PoolLog["warn"] =>
      (message) =>
        void reports.log.push(`${level} ${message}`);
    const count =
      <K extends MeterEvent[0]>(name: K) =>
      (...args: unknown[]) =>
        void reports.meter.push([name, ...args] as MeterEvent);
    const widened = {
      pooling: "all" as const,
      factors: { all: { factor: 1.5, from_feedback: 100 } },
    };
    start({
      meter: {
        invalidRows: count("invalidRows"),
        inferenceFailed: count("inferenceFailed"),
        predicted: count("predicted"),
        observed: count("observed"),
      },
      answered: (kind) => void reports.answered.push(kind),
      log: { warn: record("warn"), error: record("error") },
      recalibration: () => widened,
    });
    const recalibrated = await score();
    expect(reports.answered).toEqual(["csv-chunk"]);
    expect(reports.meter).toContainEqual(["predicted", "batch", 3, 3]);

    const missing = { ...servingModel(), dir: path.join(ROOT, "models/no-such-bundle") };
    await expect(score(missing)).rejects.toMatchObject({ status: 503 });
    expect(reports.log).toEqual(["error scoring workers disabled; scoring on the event loop"]);
    await stopThreads();

    // Without a host: the same rows with the static intervals, nothing counted anywhere.
    start();
    const plain = await score();
    expect(plain.predicted).toBe(3);
    expect(Buffer.from(plain.lines).equals(Buffer.from(recalibrated.lines))).toBe(false);
    expect(reports.answered).toHaveLength(2); // the two tasks above, none since
  });

  it("without a host, the pool writes its problems to stderr", async () => {
    start();
    const missing = { ...servingModel(), dir: path.join(ROOT, "models/no-such-bundle") };
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof write;
    try {
      await expect(score(missing)).rejects.toMatchObject({ status: 503 });
    } finally {
      process.stderr.write = write;
    }
    const lines = written.join("").trimEnd().split("\n");
    const line = JSON.parse(lines.at(-1)!) as {
      level: string;
      message: string;
      error: { name: string; message: string };
    };
    expect(line).toMatchObject({
      level: "error",
      message: "scoring workers disabled; scoring on the event loop",
    });
    expect(line.error.message).toMatch(/A scoring thread could not load .*no-such-bundle/);
  });
});
