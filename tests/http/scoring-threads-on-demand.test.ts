// The scoring threads start with the first work that needs one and end after a quiet spell
// (ADR 0048): the pool as the server and the batch CLI drive it, with a short idle timeout.
// Both sides come from the build (server-build/score-worker.js exports the pool's side too):
// a moved answer is unwrapped by the piscina copy that the thread's own code was bundled with.
import path from "node:path";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { LocalModelStore } from "~/inference/store.server";
import type * as Threads from "~/inference/threads.server";
import { MINIMAL_RECORD } from "./helpers/api-fixtures";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WORKER = path.join(ROOT, "server-build/score-worker.js");
let model: LoadedModel;
const {
  anyThread,
  runningThreads,
  runOnThread,
  startThreads,
  stopThreads,
  threadsStatus,
  warmThreads,
} = (await import(WORKER)) as typeof Threads;

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

function score(m: LoadedModel = model) {
  const body = Buffer.from(JSON.stringify({ records: [MINIMAL_RECORD, MINIMAL_RECORD] }));
  const input = { body, kind: "json" as const, flags: {}, csvOut: false, maxRows: 10 };
  return runOnThread(anyThread()!, "api-body", m, input);
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
    expect(JSON.parse(Buffer.from(first.body).toString()).predictions).toHaveLength(2);
    expect(runningThreads()).toBeGreaterThan(0);
    await until(() => runningThreads() === 0);

    const again = await score();
    expect(Buffer.from(again.body).toString()).toContain('"predictions"');
    expect(threadsStatus()).toMatchObject({ status: "ok", threads: 2 });
  });

  it("a running thread is warmed with a new bundle before it serves", async () => {
    start();
    await score();
    expect(runningThreads()).toBeGreaterThan(0);
    await expect(warmThreads(model)).resolves.toBeUndefined();
    expect(threadsStatus().status).toBe("ok");
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
