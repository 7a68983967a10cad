// What the CLI uses of the AWS SDK, in one module that source.ts, sink.ts and run.ts import
// dynamically: the SDK (~35 MB of RSS) loads only for an s3:// location (ADR 0048). Static
// imports here: a dynamic import of the CommonJS SDK itself has no named exports once bundled.
export { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
export { createS3Client } from "~/lib/s3-client.server";
