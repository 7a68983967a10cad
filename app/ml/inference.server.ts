import { getConfig, type Config } from "~/lib/config.server";
import { ModelNotFoundError } from "~/lib/errors.server";
import { getLogger } from "~/lib/logger.server";
import { getMetrics } from "~/lib/metrics.server";
import { singleton } from "~/lib/singleton.server";
import { loadModel, type LoadedModel } from "./model-loader.server";
import { LocalModelStore, type ModelStore } from "./model-store.server";
import { predictRecords, type PredictOptions, type PredictResult } from "./predict.server";
import { warmScorePool } from "./score-pool.server";

/**
 * THE inference module shared by the API routes, the dashboard and the batch CLI: one
 * process-wide model (a singleton that survives dev rebuilds) with an explicit state, and
 * load-then-swap reloads so in-flight requests finish on the session they started with.
 */

export type ModelStatus = "loading" | "ready" | "failed";
export type ReloadOutcome = "loaded" | "unchanged" | "failed";
export type ReloadTrigger = "startup" | "retry" | "sighup" | "admin" | "poll";

type State = {
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

async function createStore(config: Config): Promise<ModelStore> {
  if (config.modelSource.kind === "local") return new LocalModelStore(config.modelSource.dir);
  const { S3ModelStore } = await import("./s3-model-store.server");
  return new S3ModelStore(config);
}

export function getModelState(): Readonly<
  Pick<State, "status" | "model" | "lastError" | "lastAttemptAt" | "store">
> {
  return state;
}

/** The serving model, or a 503 ModelNotFoundError while none is ready. */
export function getReadyModel(): LoadedModel {
  if (!state.model) {
    throw new ModelNotFoundError(
      state.status === "failed"
        ? `Model failed to load: ${state.lastError}`
        : "Model is still loading",
    );
  }
  return state.model;
}

export function predict(
  inputs: readonly unknown[],
  options: PredictOptions = {},
): Promise<PredictResult> {
  return predictRecords(getReadyModel(), inputs, options);
}

async function doReload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
  const config = getConfig();
  const log = getLogger();
  const metrics = getMetrics();
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  state.lastAttemptAt = new Date();
  try {
    state.store ??= await createStore(config);
    const bundle = await state.store.resolveLatest();
    if (state.model && bundle.dir === state.model.dir) {
      metrics.modelLoads.inc({ outcome: "unchanged", trigger });
      state.lastError = undefined;
      return "unchanged";
    }
    const model = await loadModel(bundle.dir, { intraOpNumThreads: config.ortIntraOpThreads });
    await warmScorePool(model); // the worker threads load it too before it serves
    const previous = state.model;
    state.model = model; // the swap: one assignment, requests already running keep `previous`
    state.status = "ready";
    state.lastError = undefined;
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
 */
export function startModel(): Promise<ReloadOutcome> {
  const config = getConfig();
  let delay = 1000;
  const attempt = async (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    const outcome = await reloadModel(trigger);
    if (!state.model) {
      state.retryTimer = setTimeout(() => void attempt("retry"), delay);
      state.retryTimer.unref();
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
    return outcome;
  };
  if (config.modelPollSeconds > 0 && !state.pollTimer) {
    state.pollTimer = setInterval(() => void reloadModel("poll"), config.modelPollSeconds * 1000);
    state.pollTimer.unref();
  }
  return attempt("startup");
}

export function stopModel(): void {
  clearTimeout(state.retryTimer);
  clearInterval(state.pollTimer);
}
