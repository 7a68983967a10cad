import { readFile } from "node:fs/promises";
import path from "node:path";
import { InvalidBundleError, ModelNotFoundError } from "~/lib/errors.server";
import { sha256Hex } from "~/lib/sha256.server";
import { parseManifest, type BundleManifest } from "~/ml/bundle";

export const MANIFEST_FILE = "manifest.json";

export type VerifiedBundle = {
  manifest: BundleManifest;
  /** manifest.json as stored (model:push uploads these exact bytes). */
  manifestText: string;
  /** model.onnx, whose sha256 matched the manifest. */
  onnx: Buffer;
  sha256: string;
};

/**
 * The one check of a bundle folder, for the loader, the S3 cache and `model:push`: the
 * manifest parses (format, fields, encoders) and the ONNX file's sha256 is the manifest's.
 * A folder without a manifest is a ModelNotFoundError; anything else wrong, InvalidBundleError.
 */
export async function readVerifiedBundle(dir: string): Promise<VerifiedBundle> {
  let manifestText: string;
  try {
    manifestText = await readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch (cause) {
    throw new ModelNotFoundError(`Model bundle ${dir}: no readable ${MANIFEST_FILE}`, { cause });
  }
  let manifest: BundleManifest;
  try {
    manifest = parseManifest(JSON.parse(manifestText));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : "unreadable";
    throw new InvalidBundleError(`Model bundle ${dir}: ${MANIFEST_FILE}: ${reason}`, { cause });
  }
  let onnx: Buffer;
  try {
    onnx = await readFile(path.join(dir, manifest.onnx.file));
  } catch (cause) {
    throw new InvalidBundleError(`Model bundle ${dir}: cannot read ${manifest.onnx.file}`, {
      cause,
    });
  }
  const digest = sha256Hex(onnx);
  if (digest !== manifest.onnx.sha256) {
    throw new InvalidBundleError(
      `Model bundle ${dir}: ${manifest.onnx.file} sha256 ${digest} does not match the manifest (${manifest.onnx.sha256})`,
    );
  }
  return { manifest, manifestText, onnx, sha256: digest };
}
