import { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "./config.server";

export type S3ClientSettings = Pick<Config, "awsRegion" | "s3Endpoint" | "s3ForcePathStyle">;

/** Connect and socket-idle limits: a dead endpoint must fail start-up fast, not hang it. */
const S3_CONNECT_TIMEOUT_MS = 3_000;
const S3_IDLE_TIMEOUT_MS = 10_000;

/**
 * The one place an S3 client is built (app and model:push CLI). Credentials are NOT passed:
 * the SDK's default chain finds them (env, shared profile, ECS task role, instance profile).
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    region: settings.awsRegion,
    endpoint: settings.s3Endpoint,
    forcePathStyle: settings.s3ForcePathStyle,
    // Without these the SDK streams uploads as aws-chunked with trailing checksums, which
    // S3-compatible stores (s3rver, older MinIO) store verbatim as object bytes. Integrity
    // is checked end-to-end with the manifest's sha256 instead.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: S3_CONNECT_TIMEOUT_MS,
      requestTimeout: S3_IDLE_TIMEOUT_MS,
    },
  });
}
