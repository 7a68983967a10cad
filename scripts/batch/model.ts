import { getModelState, predict, startModel, stopModel } from "~/inference/inference.server";
import { loadModelSettings, type ModelSettings } from "~/lib/config.server";
import type { ChunkPredictor } from "./scorer";

/** The model could not be loaded (missing, tampered, incompatible bundle): exit code 4. */
export class ModelLoadError extends Error {}

/** The model settings from the environment (S3, cache, ORT threads) with MODEL_URI from --model. */
export function batchModelSettings(modelUri: string): ModelSettings {
  return loadModelSettings({ ...process.env, MODEL_URI: modelUri });
}

/** Loads the bundle through the server's inference module (verify, warm up), once. */
export async function loadBatchModel(
  settings: ModelSettings,
): Promise<{ version: string; location: string }> {
  const outcome = await startModel(settings, { retry: false });
  const state = getModelState();
  if (outcome === "failed" || !state.model) {
    throw new ModelLoadError(`cannot load the model: ${state.lastError ?? "unknown error"}`);
  }
  return { version: state.model.version, location: state.store?.location ?? "" };
}

export const releaseBatchModel = () => stopModel({ release: true });

/**
 * One chunk through the shared predict step, every row answered: a chunk in which every
 * record is invalid is reported row by row like any other bad row, not refused whole.
 */
export const predictChunk: ChunkPredictor = async (inputs) =>
  (await predict(inputs, { source: "batch", keepAllInvalid: true })).predictions;
