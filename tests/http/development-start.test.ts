// The built server started the way `make run` starts it (APP_ENV=development, no API_KEYS):
// the only launch that loads dotenv, which the bundle must still import (ADR 0029); the
// first-run experience: a key that survives restarts, a clear "port in use", quiet assets.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "./helpers/http";
import { spawnServer, startServer, type TestServer } from "./helpers/server";

let server: TestServer;
const dir = mkdtempSync(path.join(tmpdir(), "dev-key-"));
const keyFile = path.join(dir, ".dev-api-key");
const DEV = { APP_ENV: "development", API_KEYS: undefined, DEV_API_KEY_FILE: keyFile };
const printedKey = (logs: string) => /development key[^:\n]*: (\S+)$/m.exec(logs)?.[1];

beforeAll(async () => {
  server = await startServer({ ...DEV, LOG_LEVEL: "info" }, { waitPath: "/readyz" });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("development start (make run)", () => {
  it("starts, prints its key once and accepts it", async () => {
    const key = printedKey(server.logs());
    expect(key).toBeTruthy();
    expect(server.logs().split(key!).length - 1).toBe(1);
    expect(server.logs()).not.toContain("Fatal start-up error");
    const res = await fetch(`${server.url}/api/v1/model`, { headers: { "X-API-Key": key! } });
    expect(res.status).toBe(200);
  });

  it("keeps the same key across restarts (saved in the ignored key file)", async () => {
    const key = printedKey(server.logs());
    expect(readFileSync(keyFile, "utf8").trim()).toBe(key);
    expect(server.logs()).toContain(`generated a development key, saved in ${keyFile}`);
    const again = await startServer({ ...DEV, LOG_LEVEL: "warn" }, { waitPath: "/healthz" });
    try {
      expect(printedKey(again.logs())).toBe(key);
      expect(again.logs()).toContain(`development key from ${keyFile}`);
      const res = await fetch(`${again.url}/api/v1/model`, { headers: { "X-API-Key": key! } });
      expect(res.status).not.toBe(401);
    } finally {
      await again.stop();
    }
  });

  it("a port in use gets one clear line, not an EADDRINUSE stack", async () => {
    const taken = await spawnServer({ ...DEV, PORT: String(server.port), METRICS_PORT: "0" });
    const exit = await taken.exited;
    expect(exit.code).toBe(1);
    expect(taken.logs()).toContain(`Port ${server.port} is already in use`);
    expect(taken.logs()).toMatch(/PORT=\d+ make run/);
    expect(taken.logs()).not.toMatch(/EADDRINUSE|\n\s+at /);
  });

  it("logs page requests at info and static files only at debug", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const asset = /\/build\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    expect((await fetch(`${server.url}${asset}`)).status).toBe(200);
    expect((await fetch(`${server.url}/favicon.svg`)).status).toBe(200);
    await server.waitForLog(/"path":"\/"/);
    await sleep(200);
    expect(server.logs()).not.toContain(asset);
    expect(server.logs()).not.toContain("/favicon.svg");
  });
});
