import { Piscina } from "piscina";
import { toWireError, type WireError } from "~/lib/errors.server";
import { loadModel, type LoadedModel } from "./model-loader.server";
import { recordingMeter, type MeterEvent, type PredictionMeter } from "./prediction-meter.server";
import { scoreRequest, type ScoreInput, type ScoreOutput } from "./score-request.server";
import { scoreUpload, type UploadInput, type UploadOutput } from "./score-upload.server";

// The scoring worker thread (built to server-build/score-worker.js, run by piscina): the
// same scoreRequest() (API) and scoreUpload() (dashboard) as the event loop, on its own ORT
// session of the same bundle. It never logs and reads no configuration; everything it needs
// comes with the task.

/** Which bundle a task runs on: a worker loads it by folder, as the event loop did. */
export type ModelRef = { dir: string; intraOpNumThreads: number };
export type ScoreTask = { kind: "score"; model: ModelRef; input: ScoreInput };
export type WarmTask = { kind: "warm"; model: ModelRef };
/** The dashboard's CSV upload, as the form's bytes. */
export type UploadTask = { kind: "upload"; model: ModelRef; input: UploadInput };

/** A task's answer: its payload or its error as data, with the counters it recorded. */
export type TaskAnswer<T> =
  ({ ok: true } & T) | { ok: false; error: WireError; events: MeterEvent[] };
export type ScoreTaskResult = TaskAnswer<{
  output: Omit<ScoreOutput, "body"> & { body: Uint8Array<ArrayBuffer> };
  events: MeterEvent[];
}>;
export type UploadTaskResult = TaskAnswer<{
  output: UploadOutput<Uint8Array<ArrayBuffer>>;
  events: MeterEvent[];
}>;

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
  task: ScoreTask | WarmTask | UploadTask,
): Promise<ScoreTaskResult | UploadTaskResult | { ok: true; version: string }> {
  if (task.kind === "warm") {
    const model = await modelFor(task.model);
    return { ok: true, version: model.version };
  }
  if (task.kind === "upload") {
    const result: UploadTaskResult = await answer(task.model, async (model, meter) => {
      const output = await scoreUpload(model, task.input, meter);
      return { output: output.kind === "csv" ? { ...output, body: bytesOf(output.body) } : output };
    });
    return result.ok && result.output.kind === "csv" ? moving(result, result.output.body) : result;
  }
  const result: ScoreTaskResult = await answer(task.model, async (model, meter) => {
    const output = await scoreRequest(model, task.input, meter);
    return { output: { ...output, body: bytesOf(output.body) } };
  });
  return result.ok ? moving(result, result.output.body) : result;
}

/**
 * Text as bytes whose buffer can move to the event loop instead of being copied.
 * TextEncoder, not Buffer.from: a small Buffer lives in a shared pool, and moving that
 * ArrayBuffer away would detach every other Buffer in it.
 */
const bytesOf = (text: string) => new TextEncoder().encode(text);

/** Answers `result` with `bytes`' buffer moved, not copied, to the event loop. */
function moving<T>(result: T, bytes: Uint8Array<ArrayBuffer>): T {
  const movable = { [Piscina.transferableSymbol]: [bytes.buffer], [Piscina.valueSymbol]: result };
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
