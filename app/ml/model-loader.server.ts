import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ModelNotFoundError } from "~/lib/errors.server";
import { parseManifest, type BundleManifest } from "./bundle";
import { prepareExplainer, type PreparedEnsemble } from "./explain";
import { featurize, type FeatureState } from "./features";
import { createOrtSession, runOrt, type InferenceSession } from "./onnx-runner.server";
import { FIELDS } from "./fields";
import type { PropertyRecord } from "./schema";

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

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A record built from training medians/modes only: a realistic warm-up input. */
function warmupRecord(state: FeatureState): PropertyRecord {
  const record: PropertyRecord = {};
  for (const f of FIELDS) {
    if (f.required) record[f.name] = state.impute.values[f.name] ?? f.default ?? f.min ?? 0;
  }
  return record;
}

/**
 * Reads, verifies and warms a bundle folder: manifest format → model.onnx sha256 → ORT
 * session → one warm-up prediction. Any failure throws; nothing half-loaded escapes.
 */
export async function loadModel(
  dir: string,
  opts: { intraOpNumThreads: number },
): Promise<LoadedModel> {
  const fail = (message: string, cause?: unknown) =>
    new ModelNotFoundError(`Model bundle ${dir}: ${message}`, 5, { cause });

  let manifest: BundleManifest;
  try {
    manifest = parseManifest(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")));
  } catch (cause) {
    throw fail(cause instanceof Error ? cause.message : "unreadable manifest.json", cause);
  }

  let bytes: Uint8Array;
  try {
    bytes = await readFile(path.join(dir, manifest.onnx.file));
  } catch (cause) {
    throw fail(`cannot read ${manifest.onnx.file}`, cause);
  }
  const digest = sha256(bytes);
  if (digest !== manifest.onnx.sha256) {
    throw fail(
      `${manifest.onnx.file} sha256 ${digest} does not match the manifest (${manifest.onnx.sha256})`,
    );
  }

  let session: InferenceSession;
  try {
    session = await createOrtSession(bytes, { intraOpNumThreads: opts.intraOpNumThreads });
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
    sha256: digest,
    dir,
    loadedAt: new Date(),
    session,
    featureState,
    nFeatures,
    explain: prepareExplainer(manifest.explain),
  });
}
