// npm run model:push -- --bundle models/<version> --to s3://bucket/prefix/
//
// Uploads a verified bundle to <prefix><version>/, reads every object back to check it,
// and only then moves <prefix>LATEST: a reader never sees a pointer to a half-uploaded
// bundle. Bundle folders are immutable: re-pushing the same version with other bytes is
// refused. S3 settings come from AWS_REGION / S3_ENDPOINT / S3_FORCE_PATH_STYLE and
// credentials from the default AWS chain, as in the app.
import { parseArgs } from "node:util";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { MANIFEST_FILE, readVerifiedBundle } from "~/inference/bundle.server";
import { parsePointer, POINTER_FILE } from "~/inference/store.server";
import { loadModelSettings } from "~/lib/config.server";
import { createS3Client } from "~/lib/s3-client.server";
import { parseS3Uri } from "~/lib/s3-uri.server";
import { sha256Hex } from "~/lib/sha256.server";

const USAGE = "usage: npm run model:push -- --bundle <bundle folder> --to s3://bucket/prefix/";

class UsageError extends Error {}

type LocalBundle = { version: string; files: { name: string; bytes: Buffer; type: string }[] };

/** Reads and checks the bundle exactly as the app will (the one bundle verifier). */
async function readBundle(dir: string): Promise<LocalBundle> {
  const { manifest, manifestText, onnx } = await readVerifiedBundle(dir);
  const version = parsePointer(manifest.version, `${dir}/${MANIFEST_FILE} version`);
  return {
    version,
    files: [
      { name: manifest.onnx.file, bytes: onnx, type: "application/octet-stream" },
      // The manifest last: a bundle folder with a manifest is a complete one.
      { name: MANIFEST_FILE, bytes: Buffer.from(manifestText), type: "application/json" },
    ],
  };
}

async function getBytes(client: S3Client, bucket: string, key: string): Promise<Buffer | null> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return null;
    throw error;
  }
}

async function push(bundleDir: string, to: string): Promise<void> {
  const bundle = await readBundle(bundleDir);
  const { bucket, prefix } = parseS3Uri(to);
  const client = createS3Client(loadModelSettings());
  const base = `${prefix}${bundle.version}/`;
  try {
    for (const file of bundle.files) {
      const key = `${base}${file.name}`;
      const existing = await getBytes(client, bucket, key);
      if (existing && !existing.equals(file.bytes)) {
        throw new Error(
          `s3://${bucket}/${key} already exists with different content; bundle versions are immutable`,
        );
      }
      if (!existing) {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: file.bytes,
            ContentType: file.type,
          }),
        );
      }
      const back = await getBytes(client, bucket, key);
      if (!back || back.length !== file.bytes.length || sha256Hex(back) !== sha256Hex(file.bytes)) {
        throw new Error(`s3://${bucket}/${key}: read-back does not match the uploaded bytes`);
      }
      log(
        `${existing ? "present " : "uploaded"} s3://${bucket}/${key} (${file.bytes.length} bytes, verified)`,
      );
    }
    const pointerKey = `${prefix}${POINTER_FILE}`;
    const previous = (await getBytes(client, bucket, pointerKey))?.toString("utf8").trim();
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: pointerKey,
        Body: `${bundle.version}\n`,
        ContentType: "text/plain",
      }),
    );
    log(`pointer  s3://${bucket}/${pointerKey}: ${previous || "(none)"} -> ${bundle.version}`);
  } finally {
    client.destroy();
  }
}

function log(line: string) {
  process.stdout.write(`model:push: ${line}\n`);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || error.name === "TimeoutError") {
    return `cannot reach S3 (${process.env.S3_ENDPOINT ?? "AWS"}): ${error.message || code}`;
  }
  return error.message || error.name;
}

async function main(): Promise<number> {
  try {
    const { values } = parseArgs({
      options: { bundle: { type: "string" }, to: { type: "string" }, help: { type: "boolean" } },
      strict: true,
    });
    if (values.help) {
      log(USAGE);
      return 0;
    }
    if (!values.bundle || !values.to) throw new UsageError("--bundle and --to are required");
    if (!values.to.startsWith("s3://"))
      throw new UsageError(`--to must be s3://…, got "${values.to}"`);
    await push(values.bundle, values.to);
    return 0;
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`model:push: error: ${describe(error)}\n${usage ? `${USAGE}\n` : ""}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main();
