import {
  getModelState,
  predictCsvChunk,
  startModel,
  stopModel,
} from "~/inference/inference.server";
import { startThreads, stopThreads, WORKER_FILE } from "~/inference/threads.server";
import { loadModelSettings, type ModelSettings } from "~/lib/config.server";
import type { ChunkPredictor } from "./predict-csv";

/** The model could not be loaded (missing, tampered, incompatible bundle): exit code 4. */
export class ModelLoadError extends Error {}

/** The model settings from the environment (S3, cache, ORT threads) with MODEL_URI from --model. */
export function batchModelSettings(modelUri: string): ModelSettings {
  return loadModelSettings({ ...process.env, MODEL_URI: modelUri });
}

/**
 * Starts the server's scoring threads (SCORING_WORKERS of them; every chunk goes to one) and
 * loads the bundle through the server's inference module (verify, warm up), once.
 */
export async function loadBatchModel(
  settings: ModelSettings,
): Promise<{ version: string; location: string; threads: number }> {
  startThreads({
    filename: WORKER_FILE,
    threads: settings.scoringWorkers,
    minBytes: 0,
    intraOpNumThreads: settings.ortIntraOpThreads,
  });
  const outcome = await startModel(settings, { retry: false });
  const state = getModelState();
  if (outcome === "failed" || !state.model) {
    throw new ModelLoadError(`cannot load the model: ${state.lastError ?? "unknown error"}`);
  }
  return {
    version: state.model.version,
    location: state.store?.location ?? "",
    threads: settings.scoringWorkers,
  };
}

export async function releaseBatchModel(): Promise<void> {
  await stopThreads();
  await stopModel({ release: true });
}

/** One chunk through the inference module: on a scoring thread when there are any. */
export const predictChunk: ChunkPredictor = (input) => predictCsvChunk(input);
