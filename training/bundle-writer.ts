// Writes models/<version>/{model.onnx,manifest.json} and models/LATEST.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_FORMAT, parseManifest, type BundleManifest } from "~/ml/bundle";

export const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

export type ManifestContent = Omit<BundleManifest, "format" | "version" | "created_at">;

/**
 * The version is a content hash of model.onnx and the manifest content (everything except
 * version and created_at), so retraining the same data with the same code gives the same version.
 */
export function bundleVersion(onnx: Uint8Array, content: ManifestContent): string {
  return sha256(sha256(onnx) + JSON.stringify(content)).slice(0, 12);
}

export function writeBundle(
  outDir: string,
  onnx: Uint8Array,
  content: ManifestContent,
  createdAt = new Date().toISOString(),
): { version: string; dir: string; manifest: BundleManifest; bytes: number } {
  const version = bundleVersion(onnx, content);
  const manifest = parseManifest({
    format: BUNDLE_FORMAT,
    version,
    created_at: createdAt,
    ...content,
  });
  const dir = join(outDir, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.onnx"), onnx);
  const text = JSON.stringify(manifest) + "\n";
  writeFileSync(join(dir, "manifest.json"), text);
  writeFileSync(join(outDir, "LATEST"), version + "\n");
  return { version, dir, manifest, bytes: onnx.length + Buffer.byteLength(text) };
}
