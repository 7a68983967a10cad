import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CaptureSettings, Config } from "~/lib/config.server";
import { isS3Uri, parseS3Uri } from "~/lib/s3-uri.server";

/** Where finished prediction-log files go: a local folder or an S3 prefix. */
export type CaptureSink = {
  location: string;
  put(name: string, body: Buffer): Promise<void>;
};

type S3Settings = Pick<Config, "awsRegion" | "s3Endpoint" | "s3ForcePathStyle">;

/** How long one file may take to store before it counts as dropped (a slow sink). */
export const PUT_TIMEOUT_MS = 15_000;

export async function createSink(
  settings: CaptureSettings,
  s3: S3Settings,
  cwd = process.cwd(),
): Promise<CaptureSink> {
  const uri = settings.uri;
  if (!uri) throw new Error("capture is off");
  if (isS3Uri(uri)) {
    const { bucket, prefix } = parseS3Uri(uri);
    const [{ PutObjectCommand }, { createS3Client }] = await Promise.all([
      import("@aws-sdk/client-s3"),
      import("~/lib/s3-client.server"),
    ]);
    const client = createS3Client(s3);
    return {
      location: uri,
      put: async (name, body) => {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${prefix}${name}`,
            Body: body,
            ContentType: "application/x-ndjson",
            ContentEncoding: "gzip",
          }),
          { abortSignal: AbortSignal.timeout(PUT_TIMEOUT_MS) },
        );
      },
    };
  }
  const dir = path.resolve(cwd, uri);
  return {
    location: dir,
    put: async (name, body) => {
      const file = path.join(dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      // Written whole then renamed, so a reader never sees half a file.
      const partial = `${file}.partial`;
      await writeFile(partial, body);
      await rename(partial, file);
    },
  };
}
