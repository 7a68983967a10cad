// The scoring threads start with the first work that needs one and end after a quiet spell
// (ADR 0048): the pool as the server and the batch CLI drive it, on the built thread entry,
// with a short idle timeout. The tasks are batch-file chunks, whose answers are plain data
// (a moved answer is unwrapped only by the piscina copy the thread was bundled with).
import path from "node:path";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { LocalModelStore } from "~/inference/store.server";
import {
  anyThread,
  loadOnThreads,
  runningThreads,
  runOnThread,
  startThreads,
  stopThreads,
  threadsStatus,
  warmThreads,
} from "~/inference/threads.server";
import { planLayout } from "../../scripts/batch/columns";
import { amesRows, toCsv } from "./helpers/api-fixtures";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WORKER = path.join(ROOT, "server-build/score-worker.js");
let model: LoadedModel;

beforeAll(async () => {
  const { dir } = await new LocalModelStore(path.join(ROOT, "models")).resolveLatest();
  model = await loadModel(dir, { intraOpNumThreads: 1 });
});
afterAll(() => model.session.release());
afterEach(() => stopThreads());

const start = () =>
  startThreads({
    filename: WORKER,
    threads: 2,
    minBytes: 0,
    intraOpNumThreads: 1,
    idleTimeoutMs: 200,
  });

const [header, ...lines] = toCsv(amesRows().slice(0, 3)).trimEnd().split("\n");
const layout = { ...planLayout(header.split(","), [], true), newline: "\n" as const };

/** Three rows of a batch file, scored on a thread. */
function score(m: Pick<LoadedModel, "dir" | "version"> = model) {
  const text = Buffer.from(`${lines.join("\n")}\n`);
  return runOnThread(anyThread()!, "csv-chunk", m, { text, records: 3, firstRow: 1, layout });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("scoring threads on demand", () => {
  it("none run until work needs one, and they end when idle; the next work starts one again", async () => {
    start();
    expect(runningThreads()).toBe(0);
    await warmThreads(model); // a bundle loaded with no thread running: nothing to warm
    expect(runningThreads()).toBe(0);

    const first = await score();
    expect(first).toMatchObject({ predicted: 3, failedRows: 0 });
    expect(runningThreads()).toBeGreaterThan(0);
    await until(() => runningThreads() === 0);

    expect(await score()).toEqual(first);
    expect(threadsStatus()).toMatchObject({ status: "ok", threads: 2 });
  });

  it("a running thread is warmed with a new bundle before it serves", async () => {
    start();
    await score();
    expect(runningThreads()).toBeGreaterThan(0);
    await expect(warmThreads(model)).resolves.toBeUndefined();
    expect(threadsStatus().status).toBe("ok");
  });

  it("the batch CLI starts threads with the bundle loaded, or learns that it cannot", async () => {
    start();
    await loadOnThreads(model);
    expect(runningThreads()).toBeGreaterThan(0);
    expect(await score()).toMatchObject({ predicted: 3 });
    const missing = { dir: path.join(ROOT, "models/no-such-bundle"), version: "x" };
    await expect(loadOnThreads(missing)).rejects.toMatchObject({ status: 503 });
  });

  it("a thread that cannot load the served bundle switches offloading off (the event loop scores)", async () => {
    start();
    const missing = { ...model, dir: path.join(ROOT, "models/no-such-bundle") };
    await expect(score(missing)).rejects.toMatchObject({ status: 503 });
    expect(anyThread()).toBeUndefined();
    expect(threadsStatus()).toMatchObject({
      status: "disabled",
      threads: 0,
      detail: expect.stringContaining("could not load"),
    });
  });
});
