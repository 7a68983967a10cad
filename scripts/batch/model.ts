import { createStore } from "~/inference/store.server";
import {
  anyThread,
  loadOnThreads,
  runOnThread,
  startThreads,
  stopThreads,
  WORKER_FILE,
} from "~/inference/threads.server";
import { loadModelSettings, type ModelSettings } from "~/lib/config.server";
import type { ChunkPredictor } from "./predict-csv";

/** The model could not be loaded (missing, tampered, incompatible bundle): exit code 4. */
export class ModelLoadError extends Error {}

/** The model settings from the environment (S3, cache, ORT threads) with MODEL_URI from --model. */
export function batchModelSettings(modelUri: string): ModelSettings {
  return loadModelSettings({ ...process.env, MODEL_URI: modelUri });
}

type BatchModel = { version: string; location: string; threads: number };

/**
 * The server's inference module, imported only when this thread scores (SCORING_WORKERS=0):
 * with threads it would hold ORT, the validators and the trust code here for nothing.
 */
const inference = () => import("~/inference/inference.server");

let predictor: ChunkPredictor = async (input) => (await inference()).predictCsvChunk(input);
let scoresHere = false;

/**
 * Loads the bundle once and starts the server's scoring threads (SCORING_WORKERS of them;
 * every chunk goes to one). With threads, only they load the model, checks included: this
 * thread finds the bundle's folder and cuts the input, so it holds no ORT session,
 * explainer, trust index or parsed manifest of its own (ADR 0048, 0064). Without threads it
 * loads the model through the server's inference module (verify, warm up) and scores here.
 */
export async function loadBatchModel(settings: ModelSettings): Promise<BatchModel> {
  if (settings.scoringWorkers === 0) return loadHere(settings);
  const fail = (error: unknown) =>
    new ModelLoadError(
      `cannot load the model: ${error instanceof Error ? error.message : String(error)}`,
    );
  let dir: string;
  const store = await createStore(settings);
  try {
    ({ dir } = await store.resolveLatest());
  } catch (error) {
    throw fail(error);
  }
  startThreads({
    filename: WORKER_FILE,
    threads: settings.scoringWorkers,
    minBytes: 0,
    intraOpNumThreads: settings.ortIntraOpThreads,
  });
  let model: { dir: string; version: string };
  try {
    // The threads read and check the bundle (manifest, sha256) and report its version: this
    // thread never parses the manifest, which only the threads use (ADR 0064).
    model = { dir, version: await loadOnThreads({ dir }) };
  } catch (error) {
    await stopThreads();
    throw fail(error);
  }
  const pool = anyThread()!;
  predictor = (input) => runOnThread(pool, "csv-chunk", model, input);
  return { version: model.version, location: store.location, threads: settings.scoringWorkers };
}

async function loadHere(settings: ModelSettings): Promise<BatchModel> {
  const { getModelState, startModel } = await inference();
  scoresHere = true;
  const outcome = await startModel(settings, { retry: false });
  const state = getModelState();
  if (outcome === "failed" || !state.model) {
    throw new ModelLoadError(`cannot load the model: ${state.lastError ?? "unknown error"}`);
  }
  return { version: state.model.version, location: state.store?.location ?? "", threads: 0 };
}

export async function releaseBatchModel(): Promise<void> {
  await stopThreads();
  if (scoresHere) await (await inference()).stopModel({ release: true });
}

/** One chunk: on a scoring thread when there are any, else on this thread. */
export const predictChunk: ChunkPredictor = (input) => predictor(input);
