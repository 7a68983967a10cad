import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CaptureSettings, Config } from "~/lib/config.server";
import { isS3Uri } from "~/lib/s3-uri.server";

/** Where finished prediction-log files go: a local folder or an S3 prefix. */
export type CaptureSink = {
  location: string;
  put(name: string, body: Buffer): Promise<void>;
};

export async function createSink(
  settings: CaptureSettings,
  s3: Pick<Config, "awsRegion" | "s3Endpoint" | "s3ForcePathStyle">,
  cwd = process.cwd(),
): Promise<CaptureSink> {
  const uri = settings.uri;
  if (!uri) throw new Error("capture is off");
  if (isS3Uri(uri)) return (await import("./s3-sink.server")).s3Sink(uri, s3);
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
