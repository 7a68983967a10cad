import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { problemDefect } from "./problem";
import { rawRequest } from "./raw";

// A path whose percent-encoding does not decode (ADR 0052). Remix's router warned about it on
// stderr, outside the logger and its redaction, four times per request with the whole path:
// `GET /%zz/<key>` wrote the key to the log in plain text. Admission answers 400 first.

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ LOG_LEVEL: "info" });
});
afterAll(async () => server?.stop());

describe("a path that is not valid percent-encoding", () => {
  it.each([
    ["a page", `/%zz/${TEST_API_KEY}`],
    ["an API path", `/api/v1/%ff%fe/${TEST_API_KEY}`],
    ["a static file", `/build/%c0%ae%c0%ae/${TEST_API_KEY}`],
    ["a stray %", `/model/100%/${TEST_API_KEY}`],
  ])("%s: a 400 problem, and neither the path nor the key reaches the log", async (_what, path) => {
    const { answer } = rawRequest(server.port, {
      method: "GET",
      path,
      headers: { Connection: "close" },
    });
    const res = await answer;
    expect(res.status).toBe(400);
    expect(problemDefect({ ...res, headers: res.headers, startedAt: 0, endedAt: 0 })).toBeNull();
    expect(res.body).toContain("percent-encoding");
    // The access-log line (written on 'finish') comes before the next request is answered.
    await (
      await rawRequest(server.port, { method: "GET", path: "/healthz", headers: {} })
    ).answer;
    expect(server.logs()).not.toContain(TEST_API_KEY);
    expect(server.logs()).not.toContain("could not be decoded");
  });

  it("an encoded path that decodes is still routed (404 page for an unknown one)", async () => {
    const res = await rawRequest(server.port, {
      method: "GET",
      path: "/model%2Fx/%E2%82%AC",
      headers: { Connection: "close" },
    }).answer;
    expect(res.status).toBe(404);
  });
});
