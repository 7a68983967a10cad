import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { describeLocation, type Location } from "./location";

/** An input opened for streaming; `size` (bytes) lets the progress bar show an ETA. */
export type Source = { stream: Readable; size: number | undefined; name: string };

/** Unreadable input (missing file, no such key, access denied): exit code 3. */
export class InputError extends Error {}

export async function openSource(loc: Location, s3: () => S3Client): Promise<Source> {
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
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    // In Node the SDK's body is an http.IncomingMessage, i.e. a Readable.
    return { stream: out.Body as Readable, size: out.ContentLength, name };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    throw new InputError(`cannot read input ${name}: ${e.name ?? "Error"}: ${e.message ?? ""}`);
  }
}
