import type { PredictResponse } from "~/api/schemas";
import type { ModelSettings } from "~/lib/config.server";
import { ModelNotReadyError, ModelStoreError } from "~/lib/errors.server";
import { getLogger } from "~/lib/logger.server";
import { getMetrics } from "~/lib/metrics.server";
import { singleton } from "~/lib/singleton.server";
import { handleApiBody, type ApiBodyInput, type ApiBodyOutput } from "./api-body.server";
import { handleCsvChunk, type CsvChunkInput, type CsvChunkOutput } from "./csv-chunk.server";
import { loadModel, type LoadedModel } from "./model.server";
import { monitorModelLoaded } from "./monitor/monitor.server";
import { predictRecords, type PredictOptions } from "./predict.server";
import { prometheusMeter } from "./process-meter.server";
import { createStore, type ModelStore } from "./store.server";
import { anyThread, runOnThread, threadFor, warmThreads } from "./threads.server";
import { handleUpload, type UploadInput, type UploadOutput } from "./upload.server";

/**
 * THE inference module: what the routes, the dashboard, the batch CLI and the scoring
 * threads' owner call. One process-wide model (a singleton that survives dev rebuilds) with
 * an explicit state, load-then-swap reloads (requests in flight finish on the session they
 * started with), and the predict entry points, which run a request on the event loop or on
 * a scoring thread. The walk of one request: README.md.
 */

export type ModelStatus = "loading" | "ready" | "failed";
export type ReloadOutcome = "loaded" | "unchanged" | "failed";
export type ReloadTrigger = "startup" | "retry" | "sighup" | "admin" | "poll";

type State = {
  settings: ModelSettings | undefined;
  status: ModelStatus;
  model: LoadedModel | undefined;
  /** Why the model is not ready, or why the last reload failed (kept while serving the old one). */
  lastError: string | undefined;
  lastAttemptAt: Date | undefined;
  store: ModelStore | undefined;
  /** Serialises reloads: a second trigger waits for the running one. */
  running: Promise<ReloadOutcome> | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  pollTimer: NodeJS.Timeout | undefined;
};

const state: State = singleton("model-state", () => ({
  settings: undefined,
  status: "loading",
  model: undefined,
  lastError: undefined,
  lastAttemptAt: undefined,
  store: undefined,
  running: undefined,
  retryTimer: undefined,
  pollTimer: undefined,
}));

// A replaced session is released only after requests that started on it had time to end.
const RELEASE_OLD_SESSION_AFTER_MS = 60_000;
const MAX_RETRY_DELAY_MS = 60_000;

export function getModelState(): Readonly<
  Pick<State, "status" | "model" | "lastError" | "lastAttemptAt" | "store">
> {
  return state;
}

/** The serving model, or a 503 ModelNotReadyError while none is ready. */
export function getReadyModel(): LoadedModel {
  if (!state.model) {
    throw new ModelNotReadyError(
      state.status === "failed"
        ? `Model failed to load: ${state.lastError}`
        : "Model is still loading",
    );
  }
  return state.model;
}

/** Records (already objects) on the event loop: the estimate form's one record. */
export function predict(
  inputs: readonly unknown[],
  options: PredictOptions = {},
  model = getReadyModel(),
): Promise<PredictResponse> {
  return predictRecords(model, inputs, { ...options, meter: options.meter ?? prometheusMeter() });
}

export type ApiBodyResult = Omit<ApiBodyOutput, "body"> & {
  body: string | Uint8Array<ArrayBuffer>;
  thread: "worker" | "event-loop";
};

/** The API's request body → its response body, on a scoring thread when it is much work. */
export async function predictApiBody(
  input: ApiBodyInput,
  model = getReadyModel(),
): Promise<ApiBodyResult> {
  const pool = threadFor(input.body, input.kind);
  if (!pool) {
    const output = await handleApiBody(model, input, prometheusMeter());
    return { ...output, thread: "event-loop" };
  }
  return { ...(await runOnThread(pool, "api-body", model, input)), thread: "worker" };
}

/** A chunk of a batch file (the CLI) → its output and error lines: on a thread when any. */
export async function predictCsvChunk(
  input: CsvChunkInput,
  model = getReadyModel(),
): Promise<CsvChunkOutput> {
  const pool = anyThread();
  if (!pool) return handleCsvChunk(model, input, prometheusMeter());
  return runOnThread(pool, "csv-chunk", model, input);
}

/** The dashboard's upload (the form's bytes) → a summary or the result file, likewise. */
export async function predictUpload(
  input: UploadInput,
  model = getReadyModel(),
): Promise<UploadOutput<string | Uint8Array<ArrayBuffer>>> {
  const pool = threadFor(input.body, "multipart");
  if (!pool) return handleUpload(model, input, prometheusMeter());
  return runOnThread(pool, "upload", model, input);
}

async function doReload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
  const settings = state.settings;
  if (!settings) throw new Error("startModel() was not called");
  const log = getLogger();
  const metrics = getMetrics();
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  state.lastAttemptAt = new Date();
  try {
    state.store ??= await createStore(settings);
    const bundle = await state.store.resolveLatest();
    // A store that could not be read answers its last good copy: fine to start from, but
    // while a model serves it is a failed check, not "unchanged" (a new bundle would
    // otherwise never load, silently).
    if (bundle.fallback && state.model) throw new ModelStoreError(bundle.fallback);
    if (state.model && bundle.dir === state.model.dir) {
      metrics.modelLoads.inc({ outcome: "unchanged", trigger });
      state.lastError = undefined;
      return "unchanged";
    }
    const model = await loadModel(bundle.dir, { intraOpNumThreads: settings.ortIntraOpThreads });
    await warmThreads(model); // the scoring threads load it too before it serves
    const previous = state.model;
    state.model = model; // the swap: one assignment, requests already running keep `previous`
    state.status = "ready";
    state.lastError = bundle.fallback; // serving a cached copy: the store's fault stays visible
    monitorModelLoaded(model);
    metrics.modelLoadDuration.observe({ outcome: "loaded" }, seconds());
    metrics.modelLoads.inc({ outcome: "loaded", trigger });
    if (previous) metrics.modelInfo.remove({ version: previous.version });
    metrics.modelInfo.set({ version: model.version }, 1);
    log.info("model loaded", {
      trigger,
      version: model.version,
      previous: previous?.version,
      store: state.store.location,
      duration_ms: Math.round(seconds() * 1000),
    });
    if (previous) {
      setTimeout(
        () => void previous.session.release().catch(() => {}),
        RELEASE_OLD_SESSION_AFTER_MS,
      ).unref();
    }
    return "loaded";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    state.lastError = message;
    if (!state.model) state.status = "failed";
    metrics.modelLoadDuration.observe({ outcome: "failed" }, seconds());
    metrics.modelLoads.inc({ outcome: "failed", trigger });
    log.error("model load failed", { trigger, error, serving: state.model?.version ?? null });
    return "failed";
  }
}

/** Loads the current bundle and swaps it in when it differs. Never throws. */
export function reloadModel(trigger: ReloadTrigger): Promise<ReloadOutcome> {
  const previous = state.running ?? Promise.resolve("unchanged" as ReloadOutcome);
  const next = previous.then(() => doReload(trigger));
  state.running = next.finally(() => {
    if (state.running === next) state.running = undefined;
  });
  return next;
}

/**
 * Start-up: load the model in the background (the listener answers liveness meanwhile);
 * while no model could be loaded, retry with exponential backoff instead of crash-looping.
 * `retry: false` (the batch CLI) tries once.
 */
export function startModel(
  settings: ModelSettings,
  { retry = true }: { retry?: boolean } = {},
): Promise<ReloadOutcome> {
  state.settings = settings;
  let delay = 1000;
  const attempt = async (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    const outcome = await reloadModel(trigger);
    if (!state.model && retry) {
      state.retryTimer = setTimeout(() => void attempt("retry"), delay);
      state.retryTimer.unref();
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
    return outcome;
  };
  if (retry && settings.modelPollSeconds > 0 && !state.pollTimer) {
    state.pollTimer = setInterval(() => void reloadModel("poll"), settings.modelPollSeconds * 1000);
    state.pollTimer.unref();
  }
  return attempt("startup");
}

/** Stops retries and polling; with `release`, frees the serving session too (CLI exit). */
export async function stopModel({ release = false }: { release?: boolean } = {}): Promise<void> {
  clearTimeout(state.retryTimer);
  clearInterval(state.pollTimer);
  if (release) await state.model?.session.release();
}
