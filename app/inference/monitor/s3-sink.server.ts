import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { Config } from "~/lib/config.server";
import { createS3Client } from "~/lib/s3-client.server";
import { parseS3Uri } from "~/lib/s3-uri.server";
import type { CaptureSink } from "./sink.server";

/** How long one file may take to store before it counts as dropped (a slow sink). */
const PUT_TIMEOUT_MS = 15_000;

/** Prediction-log files as objects under an S3 prefix (loaded only when CAPTURE_URI is s3://). */
export function s3Sink(
  uri: string,
  settings: Pick<Config, "awsRegion" | "s3Endpoint" | "s3ForcePathStyle">,
): CaptureSink {
  const { bucket, prefix } = parseS3Uri(uri);
  const client = createS3Client(settings);
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
