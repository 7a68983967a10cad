import { Piscina } from "piscina";
import { ModelNotReadyError, toWireError } from "~/lib/errors.server";
import { handleApiBody } from "./api-body.server";
import { handleCsvChunk } from "./csv-chunk.server";
import { recordingMeter, type PredictionMeter } from "./meter.server";
import { loadModel, type LoadedModel } from "./model.server";
import { batchBuffers } from "./monitor/batch";
import { useRecalibration } from "./monitor/recalibrate.server";
import type { Answer, Bytes, ModelRef, Task } from "./threads.server";
import { handleUpload } from "./upload.server";

// The scoring threads, the thread's side: this module's default export, run by piscina
// (threads.server.ts is the event loop's side). It loads the task's bundle into this
// thread's own ORT session and runs the same handler the event loop would. Threads never
// log and read no configuration; errors and metric counters come back as data. Only types
// come from threads.server.ts, so a thread loads none of the pool's code. ADR 0014, 0048.

// Two bundles at most: the serving one and, during a swap, the one requests started on.
const MAX_MODELS = 2;
const models = new Map<string, Promise<LoadedModel>>();

function modelFor(ref: ModelRef): Promise<LoadedModel> {
  let model = models.get(ref.dir);
  if (model) {
    models.delete(ref.dir); // re-insert: the Map's order is the recency order
  } else {
    model = loadModel(ref.dir, { intraOpNumThreads: ref.intraOpNumThreads }).catch((error) => {
      models.delete(ref.dir); // a failed load is retried by the next task
      // For the client a bundle this thread cannot load is a model that is not ready.
      throw new ModelNotReadyError(`A scoring thread could not load ${ref.dir}: ${error}`);
    });
  }
  models.set(ref.dir, model);
  for (const [dir, old] of models) {
    if (models.size <= MAX_MODELS) break;
    models.delete(dir);
    // Tasks run one at a time per thread, so nothing here still uses the evicted one.
    void old.then((m) => m.session.release()).catch(() => {});
  }
  return model;
}

/** Text as bytes whose buffer can move (a pooled Buffer's cannot: it holds other Buffers). */
const encoder = new TextEncoder();
const bytesOf = (text: string): Bytes => encoder.encode(text);

/**
 * `answer` with its large buffers moved, not copied, to the event loop: the answer's bytes and
 * each observed batch's buffer (the monitor frees it once observed).
 */
function moving(answer: Answer<unknown>, bytes: Bytes | undefined): Answer<unknown> {
  const buffers: ArrayBuffer[] = bytes ? [bytes.buffer] : [];
  for (const event of answer.events) {
    if (event[0] === "observed") buffers.push(...batchBuffers(event[1]));
  }
  if (buffers.length === 0) return answer;
  const movable = { [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: answer };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as never;
}

async function perform(task: Task, model: LoadedModel, meter: PredictionMeter) {
  if (task.kind === "warm") return { output: { version: model.version } };
  if (task.kind === "csv-chunk") return { output: await handleCsvChunk(model, task.input, meter) };
  if (task.kind === "api-body") {
    // The body's bytes were moved here: this task alone holds them.
    const output = await handleApiBody(model, { ...task.input, releaseBody: true }, meter);
    const body = bytesOf(output.body);
    return { output: { ...output, body }, moved: body };
  }
  const output = await handleUpload(model, { ...task.input, releaseBody: true }, meter);
  if (output.kind !== "csv") return { output };
  const body = bytesOf(output.body);
  return { output: { ...output, body }, moved: body };
}

/** The thread's entry: runs one task, its error and counters returned as data. */
export default async function runTask(task: Task): Promise<Answer<unknown>> {
  const { meter, events } = recordingMeter();
  useRecalibration(task.model.recalibration);
  let model: LoadedModel;
  try {
    model = await modelFor(task.model);
  } catch (error) {
    return { ok: false, error: toWireError(error), modelLoadFailed: true, events };
  }
  try {
    const { output, moved } = await perform(task, model, meter);
    const answer: Answer<unknown> = { ok: true, output, events };
    return moving(answer, moved);
  } catch (error) {
    return { ok: false, error: toWireError(error), events };
  }
}
