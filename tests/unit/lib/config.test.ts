import { availableParallelism } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "~/lib/config.server";
import { ConfigurationError } from "~/lib/errors.server";

const CWD = "/srv/app";
const KEY_A = "key_a_0123456789abcdefghijklmn"; // 30 chars
const KEY_B = "key_b_0123456789abcdefghijklmn";

type Vars = Record<string, string | undefined>;

// ProcessEnv is augmented with a required NODE_ENV by some typings; these envs are plain maps.
const load = (vars: Vars) => loadConfig(vars as NodeJS.ProcessEnv, CWD);

/** The message loadConfig throws for an env, or fails the test if it does not throw. */
function configError(env: Vars): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).message;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(env)}`);
}

/** The variable names listed in a config error message ("  - NAME: why"). */
function namesIn(message: string): string[] {
  return [...message.matchAll(/^ {2}- ([A-Z0-9_]+):/gm)].map((m) => m[1]);
}

describe("loadConfig: a valid environment", () => {
  it("parses every variable into typed, resolved values", () => {
    const config = loadConfig(
      {
        APP_ENV: "production",
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        PORT: "8080",
        METRICS_PORT: "9100",
        API_KEYS: ` ${KEY_A} , ${KEY_B},`,
        MODEL_URI: "s3://ames-models/prod/housing",
        MODEL_CACHE_DIR: "var/cache",
        AWS_REGION: "eu-west-1",
        S3_ENDPOINT: "http://127.0.0.1:9000",
        S3_FORCE_PATH_STYLE: "true",
        MAX_BODY_BYTES: "2048",
        MAX_BATCH_ROWS: "500",
        RATE_LIMIT_PER_MINUTE: "120",
        SHUTDOWN_GRACE_MS: "2500",
        SHUTDOWN_DRAIN_MS: "1000",
        SCORING_WORKERS: "3",
        SCORING_WORKER_MIN_BYTES: "0",
      },
      CWD,
    );
    expect(config).toMatchObject({
      appEnv: "production",
      isProduction: true,
      logLevel: "warn",
      host: "127.0.0.1",
      port: 8080,
      metricsPort: 9100,
      apiKeys: [KEY_A, KEY_B],
      apiKeyGenerated: false,
      modelSource: { kind: "s3", bucket: "ames-models", prefix: "prod/housing/" },
      modelCacheDir: "/srv/app/var/cache",
      awsRegion: "eu-west-1",
      s3Endpoint: "http://127.0.0.1:9000",
      s3ForcePathStyle: true,
      maxBodyBytes: 2048,
      maxBatchRows: 500,
      rateLimitPerMinute: 120,
      shutdownGraceMs: 2500,
      shutdownDrainMs: 1000,
      scoringWorkers: 3,
      scoringWorkerMinBytes: 0,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("applies defaults, and treats empty strings as unset", () => {
    const config = load({ APP_ENV: "development", PORT: "", METRICS_PORT: "" });
    expect(config.port).toBe(3000);
    expect(config.metricsPort).toBe(9091);
    expect(config.modelSource).toEqual({ kind: "local", dir: path.join(CWD, "models") });
    expect(config.modelCacheDir).toBe(path.join(CWD, ".cache/models"));
    expect(config.s3ForcePathStyle).toBe(false);
    expect(config.shutdownGraceMs).toBe(10_000);
    expect(config.shutdownDrainMs).toBe(0);
    expect(config.scoringWorkers).toBe(Math.min(4, availableParallelism()));
    expect(config.scoringWorkerMinBytes).toBe(32 * 1024);
  });

  it("accepts SCORING_WORKERS=0 (everything scores on the event loop)", () => {
    expect(load({ APP_ENV: "test", SCORING_WORKERS: "0" }).scoringWorkers).toBe(0);
  });

  it("lets APP_ENV override NODE_ENV, and picks the log level per environment", () => {
    const base = { API_KEYS: KEY_A };
    expect(load({ ...base, NODE_ENV: "production", APP_ENV: "test" }).appEnv).toBe("test");
    expect(load({ ...base, APP_ENV: "test" }).logLevel).toBe("warn");
    expect(load({ ...base, APP_ENV: "development" }).logLevel).toBe("debug");
    expect(load({ ...base, APP_ENV: "staging" }).logLevel).toBe("info");
    expect(load({ ...base, NODE_ENV: "production" }).logLevel).toBe("info");
    expect(load({ ...base, APP_ENV: "staging" }).isProduction).toBe(true);
  });

  it("accepts METRICS_PORT=0 (metrics off) whatever PORT is", () => {
    expect(load({ APP_ENV: "test", METRICS_PORT: "0" }).metricsPort).toBe(0);
  });

  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ])("reads S3_FORCE_PATH_STYLE=%s as %s", (value, expected) => {
    expect(load({ APP_ENV: "test", S3_FORCE_PATH_STYLE: value }).s3ForcePathStyle).toBe(expected);
  });
});

describe("loadConfig: MODEL_URI and paths", () => {
  it.each([
    ["s3://bucket-1/models/prod", { kind: "s3", bucket: "bucket-1", prefix: "models/prod/" }],
    ["s3://bucket-1/models/prod/", { kind: "s3", bucket: "bucket-1", prefix: "models/prod/" }],
    ["s3://bucket.example/", { kind: "s3", bucket: "bucket.example", prefix: "" }],
    ["s3://bucket-1", { kind: "s3", bucket: "bucket-1", prefix: "" }],
    ["models", { kind: "local", dir: "/srv/app/models" }],
    ["./a/../b", { kind: "local", dir: "/srv/app/b" }],
    ["/opt/models", { kind: "local", dir: "/opt/models" }],
  ])("parses %s", (uri, expected) => {
    expect(load({ APP_ENV: "test", MODEL_URI: uri }).modelSource).toEqual(expected);
  });

  it("resolves MODEL_CACHE_DIR against the working directory, keeping absolute paths", () => {
    expect(load({ APP_ENV: "test", MODEL_CACHE_DIR: "c" }).modelCacheDir).toBe("/srv/app/c");
    expect(load({ APP_ENV: "test", MODEL_CACHE_DIR: "/tmp/c" }).modelCacheDir).toBe("/tmp/c");
  });
});

describe("loadConfig: invalid environments name the variable", () => {
  it.each([
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["PORT", { PORT: "0" }],
    ["PORT", { PORT: "80.5" }],
    ["APP_ENV", { APP_ENV: "prod" }],
    ["NODE_ENV", { NODE_ENV: "qa", APP_ENV: undefined }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["MODEL_URI", { MODEL_URI: "s3://" }],
    ["MODEL_URI", { MODEL_URI: "s3://Bad_Bucket/prefix" }],
    ["MODEL_URI", { MODEL_URI: "s3:/bucket/prefix" }],
    ["METRICS_PORT", { PORT: "4000", METRICS_PORT: "4000" }],
    ["METRICS_PORT", { METRICS_PORT: "-1" }],
    ["S3_ENDPOINT", { S3_ENDPOINT: "minio:9000 local" }],
    ["S3_FORCE_PATH_STYLE", { S3_FORCE_PATH_STYLE: "yes" }],
    ["MAX_BODY_BYTES", { MAX_BODY_BYTES: "10" }],
    ["MAX_BATCH_ROWS", { MAX_BATCH_ROWS: "0" }],
    ["SHUTDOWN_GRACE_MS", { SHUTDOWN_GRACE_MS: "soon" }],
    ["SHUTDOWN_DRAIN_MS", { SHUTDOWN_DRAIN_MS: "later" }],
    ["SHUTDOWN_DRAIN_MS", { SHUTDOWN_DRAIN_MS: "10000" }], // not shorter than the 10 s grace
    ["SHUTDOWN_DRAIN_MS", { SHUTDOWN_DRAIN_MS: "3000", SHUTDOWN_GRACE_MS: "2000" }],
    ["SCORING_WORKERS", { SCORING_WORKERS: "-1" }],
    ["SCORING_WORKERS", { SCORING_WORKERS: "two" }],
    ["SCORING_WORKER_MIN_BYTES", { SCORING_WORKER_MIN_BYTES: "1.5" }],
  ])("%s: %j", (name, overrides) => {
    const message = configError({ APP_ENV: "test", ...overrides });
    expect(message).toMatch(/^Invalid configuration:/);
    expect(namesIn(message)).toEqual([name]);
  });

  it("shows the offending value for non-secret variables", () => {
    expect(configError({ APP_ENV: "test", PORT: "http" })).toContain('(got "http")');
  });

  it("lists every bad variable in ONE message", () => {
    const message = configError({
      APP_ENV: "production",
      PORT: "http",
      LOG_LEVEL: "loud",
      MODEL_URI: "s3://",
      S3_ENDPOINT: "not a url",
      API_KEYS: "short-key-1",
    });
    expect(namesIn(message).sort()).toEqual(
      ["API_KEYS", "LOG_LEVEL", "MODEL_URI", "PORT", "S3_ENDPOINT"].sort(),
    );
    expect(message).not.toContain("short-key-1");
  });

  it("reports METRICS_PORT == PORT together with schema errors", () => {
    const message = configError({
      APP_ENV: "test",
      PORT: "4000",
      METRICS_PORT: "4000",
      LOG_LEVEL: "x",
    });
    expect(namesIn(message).sort()).toEqual(["LOG_LEVEL", "METRICS_PORT"]);
  });
});

describe("loadConfig: API keys", () => {
  it.each(["production", "staging"])("%s refuses to start without API_KEYS", (appEnv) => {
    const message = configError({ APP_ENV: appEnv });
    expect(namesIn(message)).toEqual(["API_KEYS"]);
    expect(message).toContain(`required in ${appEnv}`);
  });

  it.each(["production", "staging"])(
    "%s refuses keys shorter than 24 characters without printing any key",
    (appEnv) => {
      const short = "abcdefghijklmnopqrstuvw"; // 23 chars
      const message = configError({
        APP_ENV: appEnv,
        API_KEYS: `${KEY_A},${short}`,
        ADMIN_API_KEYS: "admin-short-1",
      });
      expect(namesIn(message).sort()).toEqual(["ADMIN_API_KEYS", "API_KEYS"]);
      expect(message).toContain("shorter than 24");
      for (const secret of [KEY_A, short, "admin-short-1"]) expect(message).not.toContain(secret);
    },
  );

  it("accepts a key of exactly 24 characters in production", () => {
    const key = "x".repeat(24);
    expect(load({ APP_ENV: "production", API_KEYS: key }).apiKeys).toEqual([key]);
  });

  it("never echoes key values, even for malformed key lists", () => {
    const message = configError({ APP_ENV: "test", API_KEYS: "has space-secret-value,ok" });
    expect(namesIn(message)).toEqual(["API_KEYS"]);
    expect(message).not.toContain("secret-value");
  });

  it.each(["development", "test"])("%s without API_KEYS generates a random, long key", (appEnv) => {
    const a = load({ APP_ENV: appEnv });
    const b = load({ APP_ENV: appEnv });
    expect(a.apiKeyGenerated).toBe(true);
    expect(a.apiKeys).toHaveLength(1);
    expect(a.apiKeys[0].length).toBeGreaterThanOrEqual(24);
    expect(a.apiKeys[0]).not.toBe(b.apiKeys[0]);
  });

  it("keeps short keys in development (only deployed environments enforce the length)", () => {
    const config = load({ APP_ENV: "development", API_KEYS: "dev" });
    expect(config.apiKeys).toEqual(["dev"]);
    expect(config.apiKeyGenerated).toBe(false);
  });
});
