import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import winston from "winston";
import { loadConfig } from "~/lib/config.server";
import { getLogger, requestLogger } from "~/lib/logger.server";
import { REDACTED, registerSecrets } from "~/lib/redact.server";

// Real winston loggers built by logger.server.ts for each format; only the Console transport
// is swapped for an in-memory stream so the formatted output can be inspected.

const API_KEY = "live_key_9f8e7d6c5b4a39281706f5e4";
const ADMIN_KEY = "admin_key_00112233445566778899aa";
const BEARER_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
const UNREGISTERED_KEY = "someone-elses-key-not-registered-123";
const COOKIE = "sid=s%3Asession-cookie-value-42; theme=dark";
const SECRETS = [API_KEY, ADMIN_KEY, BEARER_TOKEN, UNREGISTERED_KEY, "session-cookie-value-42"];

type Store = { __singletons?: Map<string, unknown> };

function captureLogger(appEnv: "production" | "development") {
  const config = loadConfig({
    APP_ENV: appEnv,
    API_KEYS: API_KEY,
    ADMIN_API_KEYS: ADMIN_KEY,
    LOG_LEVEL: "debug",
  });
  // getConfig/getLogger are process singletons: seed the config, let getLogger build anew.
  (globalThis as Store).__singletons = new Map([["config", config]]);
  registerSecrets([...config.apiKeys, ...config.adminApiKeys]);
  const log = getLogger();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  log.clear().add(new winston.transports.Stream({ stream: sink }));
  return { log, output: () => lines.join("\n"), lines };
}

afterEach(() => {
  (globalThis as Store).__singletons = new Map();
});

function expectNoSecrets(output: string) {
  expect(output.length).toBeGreaterThan(0);
  for (const secret of SECRETS) expect(output).not.toContain(secret);
  expect(output).toContain(REDACTED);
}

describe.each(["production", "development"] as const)("logger redaction (%s format)", (env) => {
  it("masks registered API keys inside the message", () => {
    const { log, output } = captureLogger(env);
    log.warn(`rejected request with key ${API_KEY} and admin key ${ADMIN_KEY}`);
    expectNoSecrets(output());
    expect(output()).toContain("rejected request with key");
  });

  it("masks Bearer tokens in free text", () => {
    const { log, output } = captureLogger(env);
    log.info(`upstream said: Authorization: Bearer ${BEARER_TOKEN}`);
    expectNoSecrets(output());
  });

  it("masks Cookie and X-API-Key header values quoted in free text", () => {
    const { log, output } = captureLogger(env);
    log.warn(`raw headers:\nCookie: ${COOKIE}\nX-API-Key: ${UNREGISTERED_KEY}\nAccept: */*`);
    log.warn(`retrying with x-api-key=${UNREGISTERED_KEY}`);
    expectNoSecrets(output());
    expect(output()).toContain("Accept: */*");
  });

  it("masks header values and tokens in free text whatever their case or separator", () => {
    const { log, output } = captureLogger(env);
    log.warn(`SET-COOKIE: ${COOKIE}`);
    log.warn(`APIKEY=${UNREGISTERED_KEY}`);
    log.warn(`api_key: ${UNREGISTERED_KEY}`);
    log.warn(`proxy sent Basic ${BEARER_TOKEN}`);
    expectNoSecrets(output());
    expect(output().match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  it("masks sensitive header values in metadata, at the top level and nested", () => {
    const { log, output } = captureLogger(env);
    log.info("incoming", {
      authorization: `Bearer ${BEARER_TOKEN}`,
      "x-api-key": UNREGISTERED_KEY,
      cookie: COOKIE,
    });
    log.info("incoming nested", {
      request: {
        headers: {
          authorization: `Bearer ${BEARER_TOKEN}`,
          "x-api-key": UNREGISTERED_KEY,
          cookie: COOKIE,
          "set-cookie": [COOKIE],
          accept: "text/html",
        },
        attempts: [{ apiKey: API_KEY }],
      },
      note: `key ${API_KEY} used`,
    });
    expectNoSecrets(output());
    expect(output()).toContain("text/html"); // non-sensitive values survive
  });

  it("masks secrets in an Error's message and stack, logged as meta or directly", () => {
    const { log, output } = captureLogger(env);
    const error = new Error(`S3 refused credentials ${API_KEY}`);
    log.error("model download failed", { error });
    log.error(new Error(`direct ${ADMIN_KEY}`));
    const out = output();
    expectNoSecrets(out);
    expect(out).toContain("S3 refused credentials");
    expect(out).toContain("logger.test.ts"); // the stack trace itself is kept
  });

  it("masks secrets carried by child loggers' metadata, keeping request_id", () => {
    const { output } = captureLogger(env);
    requestLogger("req-12345678").child({ apiKey: API_KEY }).info(`auth ok for ${API_KEY}`);
    expectNoSecrets(output());
    expect(output()).toContain("req-12345678");
  });
});

describe("logger formats", () => {
  it("production writes one JSON object per line with level, message, timestamp, service", () => {
    const { log, lines } = captureLogger("production");
    log.info("request", { method: "GET", path: "/", status: 200, request_id: "req-12345678" });
    log.debug("probe");
    expect(lines).toHaveLength(2);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({
      level: "info",
      message: "request",
      method: "GET",
      status: 200,
      request_id: "req-12345678",
      service: "housing-api",
    });
    expect(Number.isNaN(Date.parse(entry.timestamp))).toBe(false);
  });

  it("production logs an Error with its stack trace", () => {
    const { log, lines } = captureLogger("production");
    log.error("boom", { error: new Error("disk full") });
    const entry = JSON.parse(lines[0]);
    expect(entry.error.message).toBe("disk full");
    expect(entry.error.stack).toMatch(/Error: disk full\n\s+at /);
  });

  it("development writes readable single lines (not JSON) with time, level and message", () => {
    const { log, lines } = captureLogger("development");
    log.info("server listening", { url: "http://127.0.0.1:3000" });
    expect(lines).toHaveLength(1);
    expect(() => JSON.parse(lines[0])).toThrow();
    // eslint-disable-next-line no-control-regex -- colour codes are part of the dev format
    const plain = lines[0].replace(/\u001b\[\d+m/g, "");
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info server listening \{.*"url"/);
  });

  it("respects LOG_LEVEL", () => {
    const { log, lines } = captureLogger("production");
    log.level = "warn";
    log.info("dropped");
    log.warn("kept");
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(["kept"]);
  });
});
