import { Piscina } from "piscina";
import client from "prom-client";
import {
  PayloadTooLargeError,
  PredictionError,
  ServerBusyError,
  WorkerReportedError,
} from "~/lib/errors.server";
import { getLogger } from "~/lib/logger.server";
import { getMetrics } from "~/lib/metrics.server";
import { singleton } from "~/lib/singleton.server";
import type { LoadedModel } from "./model-loader.server";
import { prometheusMeter, replayMeterEvents } from "./prediction-meter.server";
import { scoreRequest, type ScoreInput, type ScoreOutput } from "./score-request.server";
import { scoreUpload, type UploadInput, type UploadOutput } from "./score-upload.server";
import type {
  ModelRef,
  ScoreTask,
  ScoreTaskResult,
  UploadTask,
  UploadTaskResult,
  WarmTask,
} from "./score-worker.server";

/**
 * Large prediction requests are scored on worker threads (piscina), small ones on the event
 * loop. A 1,000-row batch is ~30 ms of CPU: on the event loop it stalls every other request
 * for that long and leaves the second core idle. Offloading costs ~0.7 ms (median round
 * trip minus the work, measured on a one-row request), so small requests stay on the event
 * loop. See docs/decisions/0014.
 */

type PoolState = {
  pool: Piscina | undefined;
  threads: number;
  minBytes: number;
  intraOpNumThreads: number;
  /** Why offloading is off after a failure (requests then score on the event loop). */
  disabledReason: string | undefined;
  /** Tasks sent and not yet answered, queued or running. */
  inFlight: Set<Promise<unknown>>;
};

const state: PoolState = singleton("score-pool", () => ({
  pool: undefined,
  threads: 0,
  minBytes: Number.POSITIVE_INFINITY,
  intraOpNumThreads: 1,
  disabledReason: undefined,
  inFlight: new Set(),
}));

export type ScorePoolOptions = {
  /** The compiled worker module (server-build/score-worker.js). */
  filename: string;
  threads: number;
  /** Bodies at least this large go to a worker. */
  minBytes: number;
  intraOpNumThreads: number;
};

export function startScorePool(options: ScorePoolOptions): void {
  if (state.pool || options.threads <= 0) return;
  state.pool = new Piscina({
    filename: options.filename,
    minThreads: options.threads,
    maxThreads: options.threads,
    concurrentTasksPerWorker: 1,
    // Load shedding, not flow control: 64 waiting batches per thread is ~2 s of 1,000-row
    // work each, past which a client is better told 503 + Retry-After than kept waiting.
    maxQueue: options.threads * 64,
  });
  state.threads = options.threads;
  state.minBytes = options.minBytes;
  state.intraOpNumThreads = options.intraOpNumThreads;
  state.disabledReason = undefined;
  poolMetrics();
}

const poolMetrics = () =>
  singleton("score-pool-metrics", () => {
    const registers = [getMetrics().registry];
    new client.Gauge({
      name: "scoring_worker_queue_tasks",
      help: "Prediction requests waiting for a scoring worker thread",
      registers,
      collect() {
        this.set(state.pool?.queueSize ?? 0);
      },
    });
    return {
      tasks: new client.Counter({
        name: "scoring_worker_tasks_total",
        help: "Tasks answered by the scoring worker threads, by kind (score, upload, warm)",
        labelNames: ["kind"] as const,
        registers,
      }),
    };
  });

/**
 * Stops the threads once every task sent to them has been answered. Terminating a worker
 * while it is inside onnxruntime's native code aborts the whole process (SIGABRT), and
 * piscina's close() only waits for tasks already running, not for queued ones.
 */
async function retire(pool: Piscina): Promise<void> {
  while (state.inFlight.size > 0) await Promise.allSettled([...state.inFlight]);
  await pool.close();
}

function tracked<T>(task: Promise<T>, kind: "score" | "upload" | "warm"): Promise<T> {
  state.inFlight.add(task);
  const forget = () => void state.inFlight.delete(task);
  task.then(() => {
    forget();
    poolMetrics().tasks.inc({ kind });
  }, forget);
  return task;
}

export async function stopScorePool(): Promise<void> {
  const pool = state.pool;
  state.pool = undefined; // no new tasks from here on
  if (pool) await retire(pool);
}

export function scorePoolStatus() {
  return {
    status: state.pool ? "ok" : state.disabledReason ? "disabled" : "off",
    threads: state.pool ? state.threads : 0,
    offload_min_bytes: state.pool ? state.minBytes : null,
    queued: state.pool?.queueSize ?? 0,
    ...(state.disabledReason ? { detail: state.disabledReason } : {}),
  } as const;
}

const refOf = (model: LoadedModel): ModelRef => ({
  dir: model.dir,
  intraOpNumThreads: state.intraOpNumThreads,
});

/**
 * Loads a new bundle into every worker before it starts serving, so the first large batch
 * does not pay for the load. If the workers cannot load it, offloading is switched off and
 * every request scores on the event loop: slower, but still correct. Never throws.
 */
export async function warmScorePool(model: LoadedModel): Promise<void> {
  const pool = state.pool;
  if (!pool) return;
  const task: WarmTask = { kind: "warm", model: refOf(model) };
  try {
    // One task per thread; a worker runs one task at a time, so idle workers each take one.
    await Promise.all(Array.from({ length: state.threads }, () => tracked(pool.run(task), "warm")));
  } catch (error) {
    if (state.pool !== pool) return; // shut down meanwhile: nothing to switch off
    state.pool = undefined;
    state.disabledReason = `workers could not load model ${model.version}: ${
      error instanceof Error ? error.message : String(error)
    }`;
    getLogger().error("scoring workers disabled; scoring on the event loop", { error });
    void retire(pool).catch(() => {});
  }
}

/** The body's own buffer when it can move to the worker; otherwise a copy that can. */
function movableBytes(body: Uint8Array): Uint8Array {
  const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  return whole && body.buffer instanceof ArrayBuffer ? body : new Uint8Array(body);
}

export type ScoreResult = Omit<ScoreOutput, "body"> & {
  body: string | Uint8Array<ArrayBuffer>;
  thread: "worker" | "event-loop";
};

/** The pool if a body this large goes to a worker thread; undefined: the event loop. */
const poolFor = (body: Uint8Array) =>
  state.pool && body.byteLength >= state.minBytes ? state.pool : undefined;

/** scoreRequest() on a worker thread for large bodies, on the event loop otherwise. */
export async function score(model: LoadedModel, input: ScoreInput): Promise<ScoreResult> {
  const pool = poolFor(input.body);
  if (!pool) {
    return { ...(await scoreRequest(model, input)), thread: "event-loop" };
  }
  const task: ScoreTask = { kind: "score", model: refOf(model), input };
  const { output } = await runOnPool<ScoreTaskResult>(pool, task);
  return { ...output, thread: "worker" };
}

/**
 * scoreUpload() (the dashboard's CSV upload) on a worker thread for large files: parsing and
 * scoring 10,000 rows on the event loop stalled every other request for about a second.
 */
export async function scoreUploadAnywhere(
  model: LoadedModel,
  input: UploadInput,
): Promise<UploadOutput<string | Uint8Array<ArrayBuffer>>> {
  const pool = poolFor(input.body);
  if (!pool) return scoreUpload(model, input);
  const task: UploadTask = { kind: "upload", model: refOf(model), input };
  return (await runOnPool<UploadTaskResult>(pool, task)).output;
}

/**
 * One task on the pool: the body's bytes move to the thread (no copy), the thread's counters
 * are replayed into the process registry, and its error (sent as data) is thrown again here,
 * with the same status and problem body.
 */
async function runOnPool<A extends ScoreTaskResult | UploadTaskResult>(
  pool: Piscina,
  task: ScoreTask | UploadTask,
): Promise<Extract<A, { ok: true }>> {
  let answer: A;
  const body = movableBytes(task.input.body);
  const bodyBytes = body.byteLength; // read now: the transfer detaches it
  const moved = { ...task, input: { ...task.input, body } };
  try {
    const transferList = [body.buffer as ArrayBuffer];
    answer = (await tracked(pool.run(moved, { transferList }), task.kind)) as A;
  } catch (error) {
    if (error instanceof Error && error.message === "Task queue is at limit") {
      throw new ServerBusyError("Every scoring worker is busy and the queue is full.");
    }
    // A thread runs one task at a time, so a thread that ran out of heap did so on this
    // request alone: the client can split it. piscina replaces the thread.
    if ((error as { code?: unknown } | null)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
      getLogger().warn("a scoring thread ran out of heap; its request got a 413", {
        task: task.kind,
        body_bytes: bodyBytes,
      });
      const message =
        "The request needs more memory than a scoring thread has: send fewer rows per request.";
      throw new PayloadTooLargeError(message, message, { cause: error });
    }
    throw new PredictionError("A scoring worker failed", { cause: error });
  }
  replayMeterEvents(answer.events, prometheusMeter());
  if (!answer.ok) throw new WorkerReportedError(answer.error);
  return answer as Extract<A, { ok: true }>;
}
