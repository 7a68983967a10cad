import { Piscina } from "piscina";
import { toWireError, type WireError } from "~/lib/errors.server";
import { loadModel, type LoadedModel } from "./model-loader.server";
import { predictRecords, type PredictOptions, type PredictResult } from "./predict.server";
import { recordingMeter, type MeterEvent, type PredictionMeter } from "./prediction-meter.server";
import { scoreRequest, type ScoreInput, type ScoreOutput } from "./score-request.server";

// The scoring worker thread (built to server-build/score-worker.js, run by piscina): the
// same scoreRequest() as the event loop, on its own ORT session of the same bundle. It
// never logs and reads no configuration; everything it needs comes with the task.

/** Which bundle a task runs on: a worker loads it by folder, as the event loop did. */
export type ModelRef = { dir: string; intraOpNumThreads: number };
export type ScoreTask = { kind: "score"; model: ModelRef; input: ScoreInput };
export type WarmTask = { kind: "warm"; model: ModelRef };
/** Records already parsed on the event loop (the dashboard's CSV batch page). */
export type PredictTask = {
  kind: "predict";
  model: ModelRef;
  records: unknown[];
  options: Omit<PredictOptions, "meter">;
};

/** A task's answer: its payload or its error as data, with the counters it recorded. */
export type TaskAnswer<T> =
  ({ ok: true } & T) | { ok: false; error: WireError; events: MeterEvent[] };
export type ScoreTaskResult = TaskAnswer<{
  output: Omit<ScoreOutput, "body"> & { body: Uint8Array<ArrayBuffer> };
  events: MeterEvent[];
}>;
export type PredictTaskResult = TaskAnswer<{ result: PredictResult; events: MeterEvent[] }>;

// Two bundles at most: the serving one and, during a swap, the one requests started on.
const MAX_MODELS = 2;
const models = new Map<string, Promise<LoadedModel>>();

function modelFor(ref: ModelRef): Promise<LoadedModel> {
  let model = models.get(ref.dir);
  if (model) {
    models.delete(ref.dir); // re-insert: the Map's order is the recency order
  } else {
    model = loadModel(ref.dir, { intraOpNumThreads: ref.intraOpNumThreads });
    model.catch(() => models.delete(ref.dir)); // a failed load is retried by the next task
  }
  models.set(ref.dir, model);
  for (const [dir, old] of models) {
    if (models.size <= MAX_MODELS) break;
    models.delete(dir);
    // Tasks run one at a time per worker, so nothing here is still using the evicted one.
    void old.then((m) => m.session.release()).catch(() => {});
  }
  return model;
}

export default async function runTask(
  task: ScoreTask | WarmTask | PredictTask,
): Promise<ScoreTaskResult | PredictTaskResult | { ok: true; version: string }> {
  if (task.kind === "warm") {
    const model = await modelFor(task.model);
    return { ok: true, version: model.version };
  }
  if (task.kind === "predict") {
    return answer(task.model, async (model, meter) => ({
      result: await predictRecords(model, task.records, { ...task.options, meter }),
    }));
  }
  const result: ScoreTaskResult = await answer(task.model, async (model, meter) => {
    const output = await scoreRequest(model, task.input, meter);
    // Sent back as bytes whose buffer moves to the event loop instead of being copied.
    // TextEncoder, not Buffer.from: a small Buffer lives in a shared pool, and moving that
    // ArrayBuffer away would detach every other Buffer in it.
    return { output: { ...output, body: new TextEncoder().encode(output.body) } };
  });
  if (!result.ok) return result;
  const movable = {
    [Piscina.transferableSymbol]: [result.output.body.buffer],
    [Piscina.valueSymbol]: result,
  };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as never;
}

/** Runs `work` on the task's bundle with a recording meter; an error becomes data. */
async function answer<T extends object>(
  ref: ModelRef,
  work: (model: LoadedModel, meter: PredictionMeter) => Promise<T>,
): Promise<TaskAnswer<T & { events: MeterEvent[] }>> {
  const { meter, events } = recordingMeter();
  try {
    return { ok: true, ...(await work(await modelFor(ref), meter)), events };
  } catch (error) {
    return { ok: false, error: toWireError(error), events };
  }
}
