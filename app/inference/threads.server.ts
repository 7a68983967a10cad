import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { Piscina } from "piscina";
import {
  PayloadTooLargeError,
  PredictionError,
  ServerBusyError,
  WorkerReportedError,
  type WireError,
} from "~/lib/errors.server";
import type { BodyKind } from "~/lib/body.server";
import { singleton } from "~/lib/singleton.server";
import type { RecalibrationSnapshot } from "~/monitoring/recalibrate";
import type { ApiBodyInput, ApiBodyOutput } from "./api-body.server";
import type { CsvChunkInput, CsvChunkOutput } from "./csv-chunk.server";
import { replayMeterEvents, type MeterEvent, type PredictionMeter } from "./meter.server";
import type { LoadedModel } from "./model.server";
import type { UploadInput, UploadOutput } from "./upload.server";
import { countWork } from "./work.server";

// The scoring threads, the event loop's side: a piscina pool that sends a request's bytes
// and the bundle's folder to a thread (score-worker.server.ts), which loads the same bundle
// into its own ORT session and runs the same handler the event loop would, so both answer
// byte for byte alike. Errors and metric counters come back as data. ADR 0014; threads
// start on demand and end when idle, ADR 0048. What the pool reports (counters, problems)
// goes to the host its process gives it (PoolHost), so this module loads no metrics client,
// logger or monitor: the batch CLI's process imports it and never needs them (ADR 0064).

/** The module piscina runs: the built file beside the entry, or the source module. */
export const WORKER_FILE = import.meta.url.endsWith(".ts")
  ? fileURLToPath(new URL("./score-worker.server.ts", import.meta.url))
  : fileURLToPath(new URL("./score-worker.js", import.meta.url));

/**
 * Which bundle a task runs on (a thread loads it by folder, as the event loop did), and the
 * event loop's interval recalibration of the moment (ADR 0050).
 */
export type ModelRef = {
  dir: string;
  intraOpNumThreads: number;
  recalibration?: RecalibrationSnapshot;
};
export type Task =
  | { kind: "api-body"; model: ModelRef; input: ApiBodyInput }
  | { kind: "upload"; model: ModelRef; input: UploadInput }
  | { kind: "csv-chunk"; model: ModelRef; input: CsvChunkInput }
  | { kind: "warm"; model: ModelRef };
type Input<K extends Task["kind"]> =
  Extract<Task, { kind: K }> extends { input: infer I } ? I : never;
export type Answer<T> = (
  | { ok: true; output: T }
  /** `modelLoadFailed`: the thread could not load the task's bundle (not the request's fault). */
  | { ok: false; error: WireError; modelLoadFailed?: boolean }
) & { events: MeterEvent[] };
export type Bytes = Uint8Array<ArrayBuffer>;
type OutputOf<K extends Task["kind"]> = K extends "api-body"
  ? Omit<ApiBodyOutput, "body"> & { body: Bytes }
  : K extends "upload"
    ? UploadOutput<Bytes>
    : K extends "csv-chunk"
      ? CsvChunkOutput
      : { version: string };

// ---------------------------------------------------------------- the event loop's side

type PoolState = {
  pool: Piscina | undefined;
  threads: number;
  minBytes: number;
  minRecords: number;
  intraOpNumThreads: number;
  /** Why offloading is off after a failure (requests then run on the event loop). */
  disabledReason: string | undefined;
  /** Tasks sent and not yet answered, queued or running. */
  inFlight: Set<Promise<unknown>>;
  host: PoolHost;
};

const state: PoolState = singleton("score-pool", () => ({
  pool: undefined,
  threads: 0,
  minBytes: Number.POSITIVE_INFINITY,
  minRecords: Number.POSITIVE_INFINITY,
  intraOpNumThreads: 1,
  disabledReason: undefined,
  inFlight: new Set(),
  host: {},
}));

export type ThreadOptions = {
  filename: string;
  threads: number;
  /** Bodies at least this large go to a thread. */
  minBytes: number;
  /** Bodies holding at least this many records (work.server.ts counts them) go to a thread. */
  minRecords?: number;
  intraOpNumThreads: number;
  /** Tasks waiting per thread before new ones are refused with a 503. */
  queuePerThread?: number;
  /** A thread with no task for this long ends (default IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
  /** Where the pool reports; none: it counts nothing and writes problems to stderr. */
  host?: PoolHost;
};

/** A logger's two levels the pool uses (winston's logger is one). */
export type PoolLog = {
  warn(message: string, meta: Record<string, unknown>): void;
  error(message: string, meta: Record<string, unknown>): void;
};

/**
 * What the process around the pool gives it: the server its Prometheus registry, monitor,
 * logger and serving recalibration (servingPoolHost(), pool-host.server.ts). A part left out
 * is not used: the threads' counters are not replayed, tasks not counted, problems go to
 * stderr, tasks carry no recalibration (a thread then serves the static intervals).
 */
export type PoolHost = {
  /** Where the threads' meter events are replayed. */
  meter?: PredictionMeter;
  /** A task was answered (with an output or an error sent as data). */
  answered?: (kind: Task["kind"]) => void;
  log?: PoolLog;
  /** The interval recalibration each task is scored with (ADR 0050). */
  recalibration?: () => RecalibrationSnapshot;
};

/**
 * The pool's problems as one JSON line on stderr (the logger's shape: level, message, then
 * the details), for a process without a logger (the CLI), whose stdout is its summary.
 */
const stderrLine =
  (level: string) =>
  (message: string, meta: Record<string, unknown>): void => {
    const line = JSON.stringify({ ...meta, level, message }, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    );
    process.stderr.write(`${line}\n`);
  };
const STDERR_LOG: PoolLog = { warn: stderrLine("warn"), error: stderrLine("error") };
const log = (): PoolLog => state.host.log ?? STDERR_LOG;

/**
 * Threads start on the first task that needs one and end after this long without work
 * (ADR 0048): each costs ~50 MiB (isolate, code, ORT session), more than the whole event
 * loop's share of an idle process. A minute keeps them through a burst's pauses.
 */
export const IDLE_TIMEOUT_MS = 60_000;

/**
 * A thread's young generation, in MB: three 16 MB semi-spaces' worth, set here so a thread
 * has it however its process was started (`npm run predict` passes no flags; Node 24's
 * default lets each thread's young generation reach 192 MB). ADR 0048; smaller costs the
 * threads CPU and lets more be promoted (ADRs 0060, 0066). The event loop's is smaller
 * (server/node-flags.ts, ADR 0067).
 */
export const THREAD_YOUNG_GENERATION_MB = 48;

export function startThreads(options: ThreadOptions): void {
  if (state.pool || options.threads <= 0) return;
  // A `--max-semi-space-size` on the command line would override every thread's
  // resourceLimits; it is meant for the event loop alone (server/node-flags.ts, ADR 0067),
  // whose heap was sized when the process started. Cleared, V8 sizes each thread's young
  // generation from resourceLimits.
  v8.setFlagsFromString("--max-semi-space-size=0");
  state.pool = new Piscina({
    filename: options.filename,
    minThreads: 0,
    maxThreads: options.threads,
    idleTimeout: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    concurrentTasksPerWorker: 1,
    // Load shedding, not flow control: past this a client is better told 503 + Retry-After
    // than kept waiting behind seconds of batches.
    maxQueue: options.threads * (options.queuePerThread ?? 64),
  });
  state.threads = options.threads;
  state.minBytes = options.minBytes;
  state.minRecords = options.minRecords ?? Number.POSITIVE_INFINITY;
  state.intraOpNumThreads = options.intraOpNumThreads;
  state.disabledReason = undefined;
  state.host = options.host ?? {};
}

/** Threads running now (0 until work needs one, and again after IDLE_TIMEOUT_MS idle). */
export const runningThreads = () => state.pool?.threads.length ?? 0;

/**
 * Stops the threads once every task sent to them has been answered: terminating a thread
 * inside onnxruntime's native code aborts the process, and piscina's close() waits for
 * running tasks only, not for queued ones.
 */
async function retire(pool: Piscina): Promise<void> {
  while (state.inFlight.size > 0) await Promise.allSettled([...state.inFlight]);
  await pool.close();
}

function tracked<T>(task: Promise<T>, kind: Task["kind"]): Promise<T> {
  state.inFlight.add(task);
  const forget = () => void state.inFlight.delete(task);
  task.then(() => {
    forget();
    state.host.answered?.(kind);
  }, forget);
  return task;
}

export async function stopThreads(): Promise<void> {
  const pool = state.pool;
  state.pool = undefined; // no new tasks from here on
  if (pool) await retire(pool);
}

export function threadsStatus() {
  return {
    status: state.pool ? "ok" : state.disabledReason ? "disabled" : "off",
    threads: state.pool ? state.threads : 0,
    offload_min_bytes: state.pool ? state.minBytes : null,
    offload_min_records: state.pool ? state.minRecords : null,
    queued: state.pool?.queueSize ?? 0,
    ...(state.disabledReason ? { detail: state.disabledReason } : {}),
  } as const;
}

/** What a task needs of a bundle: its folder (a thread loads it there) and its version. */
type Bundle = Pick<LoadedModel, "dir" | "version">;

const refOf = (model: Pick<Bundle, "dir">): ModelRef => ({
  dir: model.dir,
  intraOpNumThreads: state.intraOpNumThreads,
  recalibration: state.host.recalibration?.(),
});

/** `count` warm tasks for `model`: each idle thread takes one (a thread runs one at a time). */
function warm(pool: Piscina, model: Pick<Bundle, "dir">, count: number) {
  const task: Task = { kind: "warm", model: refOf(model) };
  const answers = Array.from({ length: count }, () => runOn(pool, task, new Uint8Array(0)));
  return Promise.all(answers as Promise<OutputOf<"warm">>[]);
}

/**
 * Loads a new bundle into every running thread before it serves; a thread that starts later
 * loads it with its first task (none running at start-up or after an idle minute: nothing
 * to warm). If they cannot load it, offloading is switched off and everything runs on the
 * event loop: slower, still correct. Never throws.
 */
export async function warmThreads(model: LoadedModel): Promise<void> {
  const pool = state.pool;
  if (!pool) return;
  try {
    await warm(pool, model, runningThreads());
  } catch (error) {
    disable(pool, model, error);
  }
}

/**
 * Starts the threads with the bundle in `model.dir` loaded (the batch CLI, whose threads do
 * all the scoring): one warm task per thread, so piscina starts them all, though a thread that
 * is up first may take two. Resolves to the bundle's version as the threads read it, so the
 * caller need not read and check the bundle itself; throws what a thread reported when it
 * cannot load the bundle.
 */
export async function loadOnThreads(model: Pick<Bundle, "dir">): Promise<string> {
  const pool = state.pool;
  if (!pool) throw new Error("no scoring threads");
  const [{ version }] = await warm(pool, model, state.threads);
  return version;
}

/** Offloading off for good after a thread could not load the serving bundle. */
function disable(pool: Piscina, model: Bundle, error: unknown) {
  if (state.pool !== pool) return; // shut down or disabled meanwhile: nothing to switch off
  state.pool = undefined;
  state.disabledReason = `workers could not load model ${model.version}: ${
    error instanceof Error ? error.message : String(error)
  }`;
  log().error("scoring workers disabled; scoring on the event loop", { error });
  void retire(pool).catch(() => {});
}

/**
 * Whether a body runs on a thread (the pool) or on the event loop (undefined): by its size,
 * then by its records (counted only for a small body: a large one goes to a thread anyway).
 */
export function threadFor(body: Uint8Array, kind: BodyKind | "multipart"): Piscina | undefined {
  if (!state.pool) return undefined;
  if (body.byteLength >= state.minBytes) return state.pool;
  return countWork(body, kind) >= state.minRecords ? state.pool : undefined;
}

/** A handler on a thread of `pool`, for `model`: the input's bytes move there. */
export function runOnThread<K extends "api-body" | "upload" | "csv-chunk">(
  pool: Piscina,
  kind: K,
  model: Bundle,
  input: Input<K>,
): Promise<OutputOf<K>> {
  const data = input as ApiBodyInput | UploadInput | CsvChunkInput;
  const bytes = movableBytes("body" in data ? data.body : data.text);
  const moved = "body" in data ? { ...data, body: bytes } : { ...data, text: bytes };
  const task = { kind, model: refOf(model), input: moved } as Task;
  return runOn(pool, task, bytes, model) as Promise<OutputOf<K>>;
}

/** The pool, for work that always goes to a thread when there are any (batch files). */
export const anyThread = () => state.pool;

/** The body's own buffer when it can move to the thread; otherwise a copy that can. */
function movableBytes(body: Uint8Array): Bytes {
  const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  return whole && body.buffer instanceof ArrayBuffer ? (body as Bytes) : new Uint8Array(body);
}

/**
 * One task: the body's bytes move to the thread (no copy), the thread's counters are replayed
 * into the process registry, and its error (sent as data) is thrown again here with the same
 * status and problem body.
 */
async function runOn(pool: Piscina, task: Task, body: Bytes, model?: Bundle): Promise<unknown> {
  let answer: Answer<unknown>;
  const bodyBytes = body.byteLength; // read now: the transfer detaches it
  try {
    const transferList = bodyBytes > 0 ? [body.buffer] : [];
    answer = await tracked(pool.run(task, { transferList }) as Promise<Answer<unknown>>, task.kind);
  } catch (error) {
    if (error instanceof Error && error.message === "Task queue is at limit") {
      throw new ServerBusyError("Every scoring worker is busy and the queue is full.");
    }
    // A thread runs one task at a time, so a thread that ran out of heap did so on this
    // request alone: the client can split it. piscina replaces the thread.
    if ((error as { code?: unknown } | null)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
      log().warn("a scoring thread ran out of heap; its request got a 413", {
        task: task.kind,
        body_bytes: bodyBytes,
      });
      const message =
        "The request needs more memory than a scoring thread has: send fewer rows per request.";
      throw new PayloadTooLargeError(message, { cause: error });
    }
    throw new PredictionError("A scoring worker failed", { cause: error });
  }
  if (state.host.meter) replayMeterEvents(answer.events, state.host.meter);
  if (!answer.ok) {
    const error = new WorkerReportedError(answer.error);
    // What warmThreads() did for every thread before threads started on demand: a thread
    // that cannot load the bundle the event loop serves switches offloading off.
    if (answer.modelLoadFailed && model) disable(pool, model, error);
    throw error;
  }
  return answer.output;
}
