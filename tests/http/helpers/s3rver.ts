import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "~/lib/s3-client.server";
import { BUNDLE_FORMAT } from "~/ml/bundle";

// A real S3 API (npm s3rver) on 127.0.0.1 with a temp folder, for tests of the S3 model
// store, model:push and hot reload. s3rver ships no types; this is the part we use.
type S3rverInstance = {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
};
type S3rverOptions = {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
};
const S3rver = createRequire(import.meta.url)("s3rver") as new (o: S3rverOptions) => S3rverInstance;

/** s3rver's fixed credentials; the app reads them through the default AWS chain (env). */
export const S3RVER_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
} as const;

export type LocalS3 = {
  endpoint: string;
  port: number;
  bucket: string;
  client: S3Client;
  /** The env a server process needs to read `s3://<bucket>/<prefix>` from this S3. */
  env(prefix: string): Record<string, string>;
  put(key: string, body: string | Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Stops answering (closes open sockets too) but keeps the data; start() resumes on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and deletes the data folder. */
  dispose(): Promise<void>;
};

export async function startLocalS3(bucket = "models-test"): Promise<LocalS3> {
  Object.assign(process.env, S3RVER_CREDENTIALS);
  const directory = await mkdtemp(path.join(tmpdir(), "s3rver-"));
  let server: S3rverInstance | undefined;
  let port = 0;
  const start = async () => {
    server = new S3rver({
      address: "127.0.0.1",
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    port = (await server.run()).port;
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    running.httpServer?.closeAllConnections();
    await running.close();
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({
    awsRegion: "us-east-1",
    s3Endpoint: endpoint,
    s3ForcePathStyle: true,
  });
  return {
    endpoint,
    port,
    bucket,
    client,
    env: (prefix) => ({
      ...S3RVER_CREDENTIALS,
      MODEL_URI: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "true",
      AWS_REGION: "us-east-1",
    }),
    put: async (key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    get: async (key) => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    stop,
    start,
    dispose: async () => {
      await stop();
      client.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A bundle with a schema-valid manifest and random "model" bytes (their sha256 in the
 * manifest): enough for code that moves and verifies bundles without running them.
 */
export function syntheticBundle(version: string) {
  const model = randomBytes(4096);
  const metrics = { rmsle: 0.1, mae: 1, mape: 1, medape: 1, r2: 0.9, coverage: 0.9, n: 1 };
  const years = { years: [2006], rows: 1 };
  const manifest = {
    format: BUNDLE_FORMAT,
    version,
    created_at: new Date().toISOString(),
    data: {
      file: "ames.csv",
      sha256: "0".repeat(64),
      rows: 3,
      split: { train: years, eval: years, holdout: years },
    },
    features: ["Gr_Liv_Area"],
    feature_state: {
      features: ["Gr_Liv_Area"],
      impute: { values: {}, geo: {}, garage_area_per_car: 0 },
      target: {},
      frequency: {},
      nearby: { k: 1, lon: [0], lat: [0], value: [0] },
    },
    schema: { required: [], fields: {} },
    xgboost: { version: "1.7.4", params: {}, best_iteration: 0, n_trees: 1 },
    onnx: {
      file: "model.onnx",
      sha256: createHash("sha256").update(model).digest("hex"),
      opset: 15,
    },
    metrics: { train: metrics, eval: metrics, holdout: metrics },
    interval: { level: 0.8, q: 0.1 },
    explain: { base_score: 0, trees: [] },
    card: { importance: [], holdout_points: [] },
  };
  return { version, model, manifest: JSON.stringify(manifest) };
}

export type Bundle = ReturnType<typeof syntheticBundle>;

export async function writeBundle(dir: string, b: Bundle): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "manifest.json"), b.manifest);
  await writeFile(path.join(dir, "model.onnx"), b.model);
}
