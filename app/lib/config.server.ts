import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import path from "node:path";
import { z } from "zod";
import { ConfigurationError } from "./errors.server";
import { isS3Uri, parseS3Uri } from "./s3-uri.server";
import { singleton } from "./singleton.server";

// Every setting comes from the environment, is checked once at start-up, and an invalid
// configuration stops the process with ONE message listing every bad variable.

const APP_ENVS = ["development", "test", "staging", "production"] as const;
const LOG_LEVELS = ["error", "warn", "info", "http", "verbose", "debug", "silly"] as const;
const MIN_PROD_KEY_LENGTH = 24;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1");
const keyList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .refine((keys) => keys.every((k) => !/\s/.test(k)), "keys must not contain whitespace");

const EnvSchema = z.object({
  NODE_ENV: z.enum(APP_ENVS).default("development"),
  APP_ENV: z.enum(APP_ENVS).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: int(1, 65535).default(3000),
  METRICS_PORT: int(0, 65535).default(9091),
  API_KEYS: keyList.default([]),
  ADMIN_API_KEYS: keyList.default([]),
  MODEL_URI: z
    .string()
    .min(1)
    .default("models")
    .refine(
      (v) => !v.startsWith("s3:") || isS3Uri(v),
      "must be a local path or s3://bucket/prefix",
    ),
  MODEL_CACHE_DIR: z.string().min(1).default(".cache/models"),
  MODEL_POLL_SECONDS: int(0, 86_400).default(0),
  AWS_REGION: z.string().min(1).default("us-east-1"),
  // "minio:9000" parses as a URL with scheme "minio:"; only http(s) endpoints are usable.
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  MAX_BODY_BYTES: int(1024, 512 * 1024 * 1024).default(10 * 1024 * 1024),
  MAX_BATCH_ROWS: int(1, 1_000_000).default(10_000),
  RATE_LIMIT_PER_MINUTE: int(0, 10_000_000).default(6000),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  // After SIGTERM, keep accepting for this long with /readyz 503 (and Connection: close),
  // for orchestrators that do not take the task out of rotation before signalling.
  SHUTDOWN_DRAIN_MS: int(0, 600_000).default(0),
  ORT_INTRA_OP_THREADS: int(1, 64).default(1),
  // Worker threads that score large requests off the event loop (0: all on the event loop).
  SCORING_WORKERS: int(0, 64).default(Math.min(4, availableParallelism())),
  // ~20 full records: below this, a worker round trip costs more than it saves.
  SCORING_WORKER_MIN_BYTES: int(0, 512 * 1024 * 1024).default(32 * 1024),
  // Requests of at least this many records/rows go to a thread whatever their size: cost
  // follows records, and 30 KB of empty records cost ~1 s of validation (ADR 0030).
  SCORING_WORKER_MIN_RECORDS: int(1, 1_000_000).default(20),
  // Proxy hops in front of the app whose X-Forwarded-For entries are trusted (0: the socket
  // address is the client; 1: one ALB). Like Express's `trust proxy` (ADR 0031).
  TRUST_PROXY: int(0, 16).default(0),
  // Dashboard upload bytes held in memory at once, across clients (503 + Retry-After past it).
  UPLOAD_MEMORY_BYTES: int(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  // A request body must arrive within this many milliseconds (408 after it; 0: no limit).
  BODY_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
  // Origins allowed to call the API from a browser (CORS), comma-separated; empty: none.
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (origins) => origins.every((o) => o === "*" || /^https?:\/\/[^/\s]+$/.test(o)),
      "each origin must be scheme://host[:port] (no path) or *",
    )
    .default([]),
  // Model monitoring (docs/monitoring.md): drift over the last N scored rows, PSI above which
  // a field counts as drifted, and how many recent predictions feedback can still find.
  MONITOR_ENABLED: bool.default(true),
  MONITOR_WINDOW_ROWS: int(10, 1_000_000).default(1000),
  MONITOR_PSI_THRESHOLD: z.coerce.number().positive().max(100).default(0.25),
  MONITOR_HELD_PREDICTIONS: int(0, 10_000_000).default(50_000),
  // Intervals widened (× 1–1.5) from recent sale prices posted as feedback (ADR 0050).
  RECALIBRATE_INTERVALS: bool.default(true),
  // The prediction log: a folder or s3://bucket/prefix/ (unset = off), the share of
  // predictions written, and when a file is closed (uncompressed bytes or seconds).
  CAPTURE_URI: z
    .string()
    .min(1)
    .refine((v) => !v.startsWith("s3:") || isS3Uri(v), "must be a local path or s3://bucket/prefix")
    .optional(),
  CAPTURE_SAMPLE: z.coerce.number().min(0).max(1).default(1),
  CAPTURE_ROTATE_BYTES: int(1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
  CAPTURE_ROTATE_SECONDS: int(1, 86_400).default(300),
});

/** Every environment variable the app reads (infra templates are checked against it). */
export const CONFIG_ENV_VARS = Object.keys(EnvSchema.shape) as readonly string[];

export type ModelSource =
  { kind: "local"; dir: string } | { kind: "s3"; bucket: string; prefix: string };

export type Config = Readonly<{
  appEnv: (typeof APP_ENVS)[number];
  isProduction: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  host: string;
  port: number;
  metricsPort: number;
  apiKeys: readonly string[];
  adminApiKeys: readonly string[];
  /** True when no API_KEYS were configured and a throwaway key was generated (development). */
  apiKeyGenerated: boolean;
  modelUri: string;
  modelSource: ModelSource;
  modelCacheDir: string;
  modelPollSeconds: number;
  awsRegion: string;
  s3Endpoint: string | undefined;
  s3ForcePathStyle: boolean;
  maxBodyBytes: number;
  maxBatchRows: number;
  rateLimitPerMinute: number;
  shutdownGraceMs: number;
  shutdownDrainMs: number;
  ortIntraOpThreads: number;
  scoringWorkers: number;
  scoringWorkerMinBytes: number;
  scoringWorkerMinRecords: number;
  trustProxy: number;
  uploadMemoryBytes: number;
  bodyTimeoutMs: number;
  corsOrigins: readonly string[];
  monitorEnabled: boolean;
  monitorWindowRows: number;
  monitorPsiThreshold: number;
  monitorHeldPredictions: number;
  recalibrateIntervals: boolean;
  capture: CaptureSettings;
}>;

/** The prediction log's settings; `uri` undefined = off (and captureSample 0). */
export type CaptureSettings = Readonly<{
  /** MONITOR_ENABLED: drift, feedback and the log; off, predictions only get their ids. */
  monitorEnabled: boolean;
  uri: string | undefined;
  captureSample: number;
  rotateBytes: number;
  rotateSeconds: number;
}>;

/** The variables that are set: `.env` files and task definitions often carry `FOO=` for unset. */
const setVariables = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));

type LogSettings = Pick<Config, "appEnv" | "logLevel">;

const defaultLogLevel = (appEnv: Config["appEnv"]): Config["logLevel"] =>
  appEnv === "test" ? "warn" : appEnv === "production" || appEnv === "staging" ? "info" : "debug";

/**
 * Just what the logger needs (environment and level), for programs that do not serve HTTP:
 * invalid values fall back to the defaults instead of stopping a batch job.
 */
export function loadLogSettings(
  env: Record<string, string | undefined> = process.env,
): LogSettings {
  const read = <T>(schema: z.ZodType<T>, value: string | undefined) => {
    const parsed = schema.safeParse(value || undefined);
    return parsed.success ? parsed.data : undefined;
  };
  const appEnv =
    read(EnvSchema.shape.APP_ENV, env.APP_ENV) ?? read(EnvSchema.shape.NODE_ENV, env.NODE_ENV);
  const resolved = appEnv ?? "development";
  return {
    appEnv: resolved,
    logLevel: read(EnvSchema.shape.LOG_LEVEL, env.LOG_LEVEL) ?? defaultLogLevel(resolved),
  };
}

/** What the inference module needs: where bundles come from and how to run them. */
export type ModelSettings = Pick<
  Config,
  | "modelSource"
  | "modelCacheDir"
  | "modelPollSeconds"
  | "awsRegion"
  | "s3Endpoint"
  | "s3ForcePathStyle"
  | "ortIntraOpThreads"
  | "scoringWorkers"
>;

const MODEL_ENV = EnvSchema.pick({
  MODEL_URI: true,
  MODEL_CACHE_DIR: true,
  MODEL_POLL_SECONDS: true,
  AWS_REGION: true,
  S3_ENDPOINT: true,
  S3_FORCE_PATH_STYLE: true,
  ORT_INTRA_OP_THREADS: true,
  SCORING_WORKERS: true,
});

/**
 * The model settings alone, for programs that load a model without serving HTTP (the batch
 * CLI, model:push): the server's own rules (API keys in production, ports) do not apply.
 */
export function loadModelSettings(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): ModelSettings {
  const parsed = MODEL_ENV.safeParse(setVariables(env));
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues, env);
    throw new ConfigurationError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  return modelSettingsOf(parsed.data, cwd);
}

const CAPTURE_ENV = EnvSchema.pick({
  MONITOR_ENABLED: true,
  CAPTURE_URI: true,
  CAPTURE_SAMPLE: true,
  CAPTURE_ROTATE_BYTES: true,
  CAPTURE_ROTATE_SECONDS: true,
});

/**
 * The monitor's switch and the prediction log's settings alone: the scoring threads read them
 * from the environment they inherit (they get no configuration object). Invalid values = off;
 * the server's own start-up check reports them.
 */
export function loadCaptureSettings(
  env: Record<string, string | undefined> = process.env,
): CaptureSettings {
  const parsed = CAPTURE_ENV.safeParse(setVariables(env));
  if (!parsed.success) {
    return {
      monitorEnabled: false,
      uri: undefined,
      captureSample: 0,
      rotateBytes: 0,
      rotateSeconds: 0,
    };
  }
  return captureSettingsOf(parsed.data);
}

function captureSettingsOf(e: z.output<typeof CAPTURE_ENV>): CaptureSettings {
  const on = e.MONITOR_ENABLED;
  return {
    monitorEnabled: on,
    uri: on ? e.CAPTURE_URI : undefined,
    captureSample: on && e.CAPTURE_URI ? e.CAPTURE_SAMPLE : 0,
    rotateBytes: e.CAPTURE_ROTATE_BYTES,
    rotateSeconds: e.CAPTURE_ROTATE_SECONDS,
  };
}

function modelSettingsOf(e: z.output<typeof MODEL_ENV>, cwd: string): ModelSettings {
  return {
    modelSource: parseModelSource(e.MODEL_URI, cwd),
    modelCacheDir: path.resolve(cwd, e.MODEL_CACHE_DIR),
    modelPollSeconds: e.MODEL_POLL_SECONDS,
    awsRegion: e.AWS_REGION,
    s3Endpoint: e.S3_ENDPOINT,
    s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
    ortIntraOpThreads: e.ORT_INTRA_OP_THREADS,
    scoringWorkers: e.SCORING_WORKERS,
  };
}

function parseModelSource(uri: string, cwd: string): ModelSource {
  if (uri.startsWith("s3://")) return { kind: "s3", ...parseS3Uri(uri) };
  return { kind: "local", dir: path.resolve(cwd, uri) };
}

function formatIssues(
  issues: { path: PropertyKey[]; message: string }[],
  env: Record<string, string | undefined>,
): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? "environment");
    const isSecret = name.includes("KEY");
    const shown = isSecret || env[name] === undefined ? "" : ` (got "${env[name]}")`;
    return `  - ${name}: ${issue.message}${shown}`;
  });
}

type Env = z.output<typeof EnvSchema>;

/**
 * Rules across variables or environments. Each variable is read on its own, so these
 * problems are reported in the same message as schema errors (ONE message, every problem).
 */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const read = <K extends keyof Env>(name: K): Env[K] | undefined => {
    const result = EnvSchema.shape[name].safeParse(env[name]);
    return result.success ? (result.data as Env[K]) : undefined;
  };
  const appEnv = env.APP_ENV !== undefined ? read("APP_ENV") : read("NODE_ENV");
  const problems: string[] = [];
  if (appEnv === "production" || appEnv === "staging") {
    if (read("API_KEYS")?.length === 0) problems.push(`  - API_KEYS: required in ${appEnv}`);
    for (const name of ["API_KEYS", "ADMIN_API_KEYS"] as const) {
      const short = (read(name) ?? []).filter((k) => k.length < MIN_PROD_KEY_LENGTH).length;
      if (short > 0) {
        problems.push(
          `  - ${name}: ${short} key(s) shorter than ${MIN_PROD_KEY_LENGTH} characters are not allowed in ${appEnv}`,
        );
      }
    }
  }
  const drain = read("SHUTDOWN_DRAIN_MS") ?? 0;
  const grace = read("SHUTDOWN_GRACE_MS") ?? 10_000;
  if (drain > 0 && drain >= grace) {
    problems.push(
      "  - SHUTDOWN_DRAIN_MS: must be shorter than SHUTDOWN_GRACE_MS (the grace period includes the drain)",
    );
  }
  const metricsPort = read("METRICS_PORT");
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === read("PORT")) {
    problems.push("  - METRICS_PORT: must differ from PORT (metrics are not public)");
  }
  return problems;
}

/** Parses and checks an environment. Throws ConfigurationError listing every problem. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
  const cleaned = setVariables(env);
  const parsed = EnvSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : formatIssues(parsed.error.issues, env)),
    ...crossFieldProblems(cleaned),
  ];
  if (!parsed.success || problems.length > 0) {
    throw new ConfigurationError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  const e = parsed.data;
  const appEnv = e.APP_ENV ?? e.NODE_ENV;
  const deployed = appEnv === "production" || appEnv === "staging";

  // In development/test, a missing key would make the API unusable; generate a throwaway
  // one (logged once at start-up by the server) instead of running unauthenticated.
  const apiKeyGenerated = e.API_KEYS.length === 0;
  const apiKeys = apiKeyGenerated ? [`dev_${randomBytes(18).toString("base64url")}`] : e.API_KEYS;

  return Object.freeze({
    appEnv,
    isProduction: deployed,
    logLevel: e.LOG_LEVEL ?? defaultLogLevel(appEnv),
    host: e.HOST,
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    apiKeys,
    adminApiKeys: e.ADMIN_API_KEYS,
    apiKeyGenerated,
    modelUri: e.MODEL_URI,
    ...modelSettingsOf(e, cwd),
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxBatchRows: e.MAX_BATCH_ROWS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    scoringWorkerMinBytes: e.SCORING_WORKER_MIN_BYTES,
    scoringWorkerMinRecords: e.SCORING_WORKER_MIN_RECORDS,
    trustProxy: e.TRUST_PROXY,
    uploadMemoryBytes: e.UPLOAD_MEMORY_BYTES,
    bodyTimeoutMs: e.BODY_TIMEOUT_MS,
    corsOrigins: e.CORS_ORIGINS,
    monitorEnabled: e.MONITOR_ENABLED,
    monitorWindowRows: e.MONITOR_WINDOW_ROWS,
    monitorPsiThreshold: e.MONITOR_PSI_THRESHOLD,
    monitorHeldPredictions: e.MONITOR_HELD_PREDICTIONS,
    recalibrateIntervals: e.RECALIBRATE_INTERVALS,
    capture: captureSettingsOf(e),
  });
}

/** The process-wide configuration, parsed once. */
export function getConfig(): Config {
  return singleton("config", () => loadConfig());
}
