import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Config } from "~/lib/config.server";
import { ModelStoreError } from "~/lib/errors.server";
import { getLogger } from "~/lib/logger.server";
import { createS3Client } from "~/lib/s3-client.server";
import { parseManifest } from "~/ml/bundle";
import { MANIFEST_FILE, readVerifiedBundle } from "./bundle.server";
import { parsePointer, POINTER_FILE, type ModelStore, type ResolvedBundle } from "./store.server";

/**
 * Bundles in S3 (`<prefix>LATEST` names `<prefix><name>/{manifest.json,model.onnx}`), served
 * from a local cache of VERIFIED copies:
 *   MODEL_CACHE_DIR/<name>/…   complete, sha256-checked bundles only (temp folder + rename)
 *   MODEL_CACHE_DIR/LATEST     the last bundle that passed verification (the offline fallback)
 * Bundle folders are immutable once pushed (their name is a content hash), so a verified
 * cache entry is reused without downloading it again.
 *
 * Fault policy: until this process has obtained a bundle from S3 once, any S3 failure falls
 * back to the newest verified cached bundle (degraded) so a restart survives an S3 outage.
 * After that a failure throws: the caller keeps serving its current model and reports the
 * error, instead of "reloading" the same cached copy and hiding the problem.
 */

export type S3StoreConfig = Pick<
  Config,
  "modelSource" | "modelCacheDir" | "awsRegion" | "s3Endpoint" | "s3ForcePathStyle"
>;

const POINTER_TIMEOUT_MS = 5_000;

type Health = { status: "ok" | "degraded"; detail: string };

export class S3ModelStore implements ModelStore {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly cacheDir: string;
  private readonly client: S3Client;
  private deliveredFromS3 = false;
  private status: Health;

  constructor(config: S3StoreConfig, client?: S3Client) {
    if (config.modelSource.kind !== "s3") throw new Error("S3ModelStore needs an s3:// MODEL_URI");
    this.bucket = config.modelSource.bucket;
    this.prefix = config.modelSource.prefix;
    this.cacheDir = config.modelCacheDir;
    this.location = `s3://${this.bucket}/${this.prefix}`;
    this.client = client ?? createS3Client(config);
    this.status = { status: "ok", detail: `${this.location} (no bundle resolved yet)` };
  }

  health(): Health {
    return this.status;
  }

  async resolveLatest(): Promise<ResolvedBundle> {
    let name: string | undefined;
    try {
      name = await this.readPointer();
      const dir = await this.ensureCached(name);
      await this.rememberLastGood(name);
      this.deliveredFromS3 = true;
      this.status = { status: "ok", detail: `bundle ${name} from ${this.location} (verified)` };
      return { dir, name };
    } catch (error) {
      const reason = describe(error);
      const what = name ? `bundle ${name} from ${this.location}` : `pointer ${this.pointerKey}`;
      if (this.deliveredFromS3) {
        this.status = { status: "degraded", detail: `last S3 check failed: ${what}: ${reason}` };
        throw new ModelStoreError(`Cannot load ${what}: ${reason}`, { cause: error });
      }
      const cached = await this.newestVerifiedCache();
      if (!cached) {
        this.status = { status: "degraded", detail: `no model: ${what}: ${reason}; cache empty` };
        throw new ModelStoreError(
          `Cannot load ${what}: ${reason}; no verified bundle in ${this.cacheDir}`,
          { cause: error },
        );
      }
      this.status = {
        status: "degraded",
        detail: `serving cached bundle ${cached.name}: ${what} unavailable: ${reason}`,
      };
      getLogger().warn("S3 model store unavailable; serving cached bundle", {
        bundle: cached.name,
        store: this.location,
        reason,
      });
      return { ...cached, fallback: `${what} unavailable: ${reason}` };
    }
  }

  private get pointerKey() {
    return `${this.prefix}${POINTER_FILE}`;
  }

  private async readPointer(): Promise<string> {
    const out = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: this.pointerKey }),
      { abortSignal: AbortSignal.timeout(POINTER_TIMEOUT_MS) },
    );
    const text = (await out.Body?.transformToString("utf8")) ?? "";
    return parsePointer(text, `s3://${this.bucket}/${this.pointerKey}`);
  }

  /** Returns the verified cache folder for `name`, downloading it first if needed. */
  private async ensureCached(name: string): Promise<string> {
    const dir = path.join(this.cacheDir, name);
    if (await isVerified(dir)) return dir;

    await mkdir(this.cacheDir, { recursive: true });
    const tmp = await mkdtemp(path.join(this.cacheDir, `.download-${name}-`));
    try {
      await this.download(`${name}/${MANIFEST_FILE}`, tmp, MANIFEST_FILE);
      const manifest = parseManifest(
        JSON.parse(await readFile(path.join(tmp, MANIFEST_FILE), "utf8")),
      );
      await this.download(`${name}/${manifest.onnx.file}`, tmp, manifest.onnx.file);
      // Checked in the temp folder: a truncated or tampered object never reaches the cache.
      await readVerifiedBundle(tmp);
      await publishDir(tmp, dir);
      return dir;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Streams one object to `tmp/file`, checking it arrived whole. */
  private async download(relKey: string, tmp: string, file: string): Promise<void> {
    const key = `${this.prefix}${relKey}`;
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
    const target = path.join(tmp, file);
    await pipeline(out.Body as Readable, createWriteStream(target, { flags: "wx" }));
    const { size } = await stat(target);
    if (out.ContentLength !== undefined && size !== out.ContentLength) {
      throw new Error(`s3://${this.bucket}/${key}: got ${size} of ${out.ContentLength} bytes`);
    }
  }

  /** Written only after verification: the bundle to serve when S3 is unreachable. */
  private async rememberLastGood(name: string): Promise<void> {
    const file = path.join(this.cacheDir, POINTER_FILE);
    const current = await readFile(file, "utf8").catch(() => "");
    if (current.trim() === name) return;
    const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, `${name}\n`);
    await rename(tmp, file);
  }

  /** The cache's last-good bundle if it still verifies, else the newest one that does. */
  private async newestVerifiedCache(): Promise<ResolvedBundle | undefined> {
    const candidates: string[] = [];
    const pointer = await readFile(path.join(this.cacheDir, POINTER_FILE), "utf8").catch(() => "");
    try {
      candidates.push(parsePointer(pointer, "cache"));
    } catch {
      // no or unusable last-good pointer: scan the cache instead
    }
    const entries = await readdir(this.cacheDir, { withFileTypes: true }).catch(() => []);
    const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith("."));
    const withTimes = await Promise.all(
      dirs.map(async (e) => ({
        name: e.name,
        mtime: (await stat(path.join(this.cacheDir, e.name))).mtimeMs,
      })),
    );
    withTimes.sort((a, b) => b.mtime - a.mtime);
    candidates.push(...withTimes.map((d) => d.name));

    for (const name of new Set(candidates)) {
      const dir = path.join(this.cacheDir, name);
      try {
        await readVerifiedBundle(dir);
        return { dir, name };
      } catch {
        // corrupt or incomplete entry: try the next one
      }
    }
    return undefined;
  }
}

const isVerified = (dir: string) =>
  readVerifiedBundle(dir).then(
    () => true,
    () => false,
  );

/**
 * Moves a verified temp folder into place with rename (atomic on one file system). A
 * corrupt folder already at `dir` is moved aside first; a valid one (another process won
 * the race) is kept and ours discarded.
 */
async function publishDir(tmp: string, dir: string): Promise<void> {
  try {
    await rename(tmp, dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
  if (await isVerified(dir)) return;
  const trash = `${path.dirname(dir)}/.trash-${path.basename(dir)}-${randomBytes(6).toString("hex")}`;
  await rename(dir, trash);
  await rename(tmp, dir);
  await rm(trash, { recursive: true, force: true });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as NodeJS.ErrnoException).code;
  const label = error.name !== "Error" ? error.name : code;
  const message = error.message || code || "unknown error";
  return [label, status ? `HTTP ${status}` : undefined, message].filter(Boolean).join(": ");
}
