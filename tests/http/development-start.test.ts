// The built server started the way `make run` starts it (APP_ENV=development, no API_KEYS):
// the only launch that loads dotenv, which the bundle must still import (ADR 0029).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers/server";

let server: TestServer;

beforeAll(async () => {
  server = await startServer(
    { APP_ENV: "development", API_KEYS: undefined, LOG_LEVEL: "info" },
    { waitPath: "/readyz" },
  );
});
afterAll(() => server?.stop());

describe("development start (make run)", () => {
  it("starts, prints its generated key once and accepts it", async () => {
    const key = /generated a development key: (\S+)/.exec(server.logs())?.[1];
    expect(key).toBeTruthy();
    expect(server.logs()).not.toContain("Fatal start-up error");
    const res = await fetch(`${server.url}/api/v1/model`, { headers: { "X-API-Key": key! } });
    expect(res.status).toBe(200);
  });
});
