import { randomBytes } from "node:crypto";
import { loadConfig, type Config } from "~/lib/config.server";
import { InvalidInputError } from "~/lib/errors.server";
import { singleton } from "~/lib/singleton.server";
import { getModelState, predict, reloadModel } from "~/ml/inference.server";
import type { PredictionItem } from "~/ml/predict.server";
import { validateRecord } from "~/ml/schema";
import type { ChunkPredictor } from "./scorer";

/** The model could not be loaded (missing, tampered, incompatible bundle): exit code 4. */
export class ModelLoadError extends Error {}

/**
 * The batch job's configuration: the app's own config (AWS region, S3 endpoint, model cache,
 * ORT threads) with MODEL_URI from --model. It must be in place before any app module reads
 * getConfig(). The job serves no HTTP, so the server's "API_KEYS required in production"
 * rule is satisfied with a throwaway key that nothing can use; logs default to warnings.
 */
export function installBatchConfig(modelUri: string): Config {
  return singleton("config", () =>
    loadConfig({
      ...process.env,
      MODEL_URI: modelUri,
      API_KEYS: randomBytes(24).toString("base64url"),
      ADMIN_API_KEYS: "",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    }),
  );
}

/** Loads the bundle through the same inference module as the server (verify, warm up). */
export async function loadBatchModel(): Promise<{ version: string; location: string }> {
  const outcome = await reloadModel("startup");
  const state = getModelState();
  if (outcome === "failed" || !state.model) {
    throw new ModelLoadError(`cannot load the model: ${state.lastError ?? "unknown error"}`);
  }
  return { version: state.model.version, location: state.store?.location ?? "" };
}

export async function releaseBatchModel(): Promise<void> {
  await getModelState().model?.session.release();
}

/**
 * One chunk through the shared predict(). predict() rejects a batch in which EVERY record is
 * invalid (the API answers 422 then); a batch job reports those rows like any other bad row.
 */
export const predictChunk: ChunkPredictor = async (inputs) => {
  try {
    return (await predict(inputs, { source: "batch" })).predictions;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return inputs.map((input): PredictionItem => {
      const result = validateRecord(input);
      if (result.ok) throw error; // cannot happen: predict() only rejects all-invalid batches
      return { error: { row: 0, errors: result.issues } };
    });
  }
};
