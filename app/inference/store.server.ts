import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ModelSettings } from "~/lib/config.server";
import { ModelNotFoundError } from "~/lib/errors.server";

/**
 * Where bundles come from. A store resolves the current bundle to a LOCAL folder holding
 * manifest.json + model.onnx (S3 stores download into a verified cache first), so loading
 * and verification are the same for every source.
 */
export interface ModelStore {
  /** Human-readable location, safe to log and show in /health. */
  readonly location: string;
  /** Resolves the bundle the pointer names now. */
  resolveLatest(): Promise<ResolvedBundle>;
  /** Extra detail for /health (e.g. "serving cached bundle: S3 unreachable"). */
  health(): { status: "ok" | "degraded"; detail: string };
}

export type ResolvedBundle = {
  dir: string;
  name: string;
  /** Set when the store could not be read and this is its last good copy instead: why. */
  fallback?: string;
};

export const POINTER_FILE = "LATEST";
const BUNDLE_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Validates a pointer's content: one bundle folder name, nothing that escapes the store. */
export function parsePointer(text: string, where: string): string {
  const name = text.trim();
  if (!BUNDLE_NAME.test(name) || name === "." || name === "..") {
    throw new ModelNotFoundError(
      `Model pointer ${where} does not name a bundle: "${name.slice(0, 80)}"`,
    );
  }
  return name;
}

/** A folder holding either a bundle itself or LATEST + <version>/ folders. */
export class LocalModelStore implements ModelStore {
  /** What the last look at the folder found (nothing yet: degraded, not ok). */
  private status: { status: "ok" | "degraded"; detail: string } = {
    status: "degraded",
    detail: "not read yet",
  };

  constructor(readonly root: string) {}

  get location() {
    return this.root;
  }

  async resolveLatest(): Promise<ResolvedBundle> {
    try {
      const bundle = await this.resolve();
      this.status = { status: "ok", detail: `local folder ${this.root}` };
      return bundle;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.status = { status: "degraded", detail: reason };
      throw error;
    }
  }

  private async resolve(): Promise<ResolvedBundle> {
    if (await exists(path.join(this.root, "manifest.json"))) {
      return { dir: this.root, name: path.basename(this.root) };
    }
    const pointer = path.join(this.root, POINTER_FILE);
    let text: string;
    try {
      text = await readFile(pointer, "utf8");
    } catch (cause) {
      throw new ModelNotFoundError(`No model bundle at ${this.root} (missing ${POINTER_FILE})`, {
        cause,
      });
    }
    const name = parsePointer(text, pointer);
    return { dir: path.join(this.root, name), name };
  }

  health() {
    return this.status;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** The store MODEL_URI names: a local folder, or an S3 prefix (the AWS SDK loads only then). */
export async function createStore(settings: ModelSettings): Promise<ModelStore> {
  if (settings.modelSource.kind === "local") return new LocalModelStore(settings.modelSource.dir);
  const { S3ModelStore } = await import("./s3-store.server");
  return new S3ModelStore(settings);
}
