import { InvalidBundleError } from "~/lib/errors.server";
import { prepareExplainer, type PreparedEnsemble } from "~/ml/explain";
import { featurize, type FeatureState } from "~/ml/features";
import { FIELDS } from "~/ml/fields";
import type { BundleManifest } from "~/ml/bundle";
import type { PropertyRecord } from "~/ml/schema";
import { readVerifiedBundle } from "./bundle.server";
import { createOrtSession, runOrt, type InferenceSession } from "./onnx.server";

/** A bundle that passed every check and answered a warm-up prediction. Immutable. */
export type LoadedModel = Readonly<{
  manifest: BundleManifest;
  version: string;
  sha256: string;
  dir: string;
  loadedAt: Date;
  session: InferenceSession;
  featureState: FeatureState;
  nFeatures: number;
  explain: PreparedEnsemble;
}>;

/** A record built from training medians/modes only: a realistic warm-up input. */
function warmupRecord(state: FeatureState): PropertyRecord {
  const record: PropertyRecord = {};
  for (const f of FIELDS) {
    if (f.required) record[f.name] = state.impute.values[f.name] ?? f.default ?? f.min ?? 0;
  }
  return record;
}

/**
 * Reads, verifies and warms a bundle folder: manifest and model.onnx checksum → ORT session →
 * one warm-up prediction. Any failure throws; nothing half-loaded escapes.
 */
export async function loadModel(
  dir: string,
  opts: { intraOpNumThreads: number },
): Promise<LoadedModel> {
  const { manifest, onnx, sha256 } = await readVerifiedBundle(dir);
  const fail = (message: string, cause: unknown) =>
    new InvalidBundleError(`Model bundle ${dir}: ${message}`, { cause });

  let session: InferenceSession;
  try {
    session = await createOrtSession(onnx, { intraOpNumThreads: opts.intraOpNumThreads });
  } catch (cause) {
    throw fail("onnxruntime rejected model.onnx", cause);
  }

  const featureState = manifest.feature_state;
  const nFeatures = manifest.features.length;
  try {
    const { matrix } = featurize([warmupRecord(featureState)], featureState);
    const [y] = await runOrt(session, matrix, 1, nFeatures);
    if (!Number.isFinite(y)) throw new Error(`warm-up prediction is ${y}`);
  } catch (cause) {
    await session.release().catch(() => {});
    throw fail("warm-up prediction failed", cause);
  }

  return Object.freeze({
    manifest,
    version: manifest.version,
    sha256,
    dir,
    loadedAt: new Date(),
    session,
    featureState,
    nFeatures,
    explain: prepareExplainer(manifest.explain),
  });
}
