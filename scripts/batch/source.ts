import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { describeLocation, type Location } from "./location";

/** An input opened for streaming; `size` (bytes) lets the progress bar show an ETA. */
export type Source = { stream: Readable; size: number | undefined; name: string };

/** Unreadable input (missing file, no such key, access denied): exit code 3. */
export class InputError extends Error {}

/** The S3 client, created (and the AWS SDK loaded) only when a location is on S3. */
export type LazyS3 = () => Promise<S3Client>;

export async function openSource(loc: Location, s3: LazyS3): Promise<Source> {
  const name = describeLocation(loc);
  if (loc.kind === "file") {
    let size: number;
    try {
      const info = await stat(loc.path);
      if (!info.isFile()) throw new Error("not a regular file");
      size = info.size;
    } catch (error) {
      throw new InputError(`cannot read input ${name}: ${(error as Error).message}`);
    }
    return { stream: createReadStream(loc.path, { highWaterMark: 256 * 1024 }), size, name };
  }
  // Downloaded to a temp file first, at full speed: reading the object while scoring would
  // hold one GET open for the whole job, and a paused socket trips idle timeouts.
  const dir = await mkdtemp(path.join(tmpdir(), "batch-in-"));
  const file = path.join(dir, "input.csv");
  try {
    const { GetObjectCommand } = await import("./s3");
    const out = await (await s3()).send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    // In Node the SDK's body is an http.IncomingMessage, i.e. a Readable.
    await pipeline(out.Body as Readable, createWriteStream(file));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const e = error as { name?: string; message?: string };
    throw new InputError(`cannot read input ${name}: ${e.name ?? "Error"}: ${e.message ?? ""}`);
  }
  const { size } = await stat(file);
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  stream.once("close", () => void rm(dir, { recursive: true, force: true }));
  return { stream, size, name };
}
