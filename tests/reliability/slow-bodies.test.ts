import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { rawRequest, sleep } from "./raw";

// Slow and stalled bodies (issue 17 item 6, ADR 0032): a body that does not arrive within
// BODY_TIMEOUT_MS gets a 408 problem and its connection closes; at SIGTERM, connections still
// sending a body nobody authenticated are closed and do not hold the exit (code 0).

describe("body timeout (BODY_TIMEOUT_MS=800)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(
      { MODEL_URI: MODEL_DIR, BODY_TIMEOUT_MS: "800" },
      { waitPath: "/readyz" },
    );
  });
  afterAll(async () => server?.stop());

  it.each([
    [
      "an authenticated API body",
      "/api/v1/predict",
      "application/json",
      { "X-API-Key": TEST_API_KEY },
    ],
    ["a form body", "/?index", "application/x-www-form-urlencoded", {}],
    ["a chunked API body", "/api/v1/predict", "application/json", { "X-API-Key": TEST_API_KEY }],
  ])(
    "%s that stalls gets a 408 problem and the connection closes",
    async (what, path, type, extra) => {
      const chunked = what.includes("chunked");
      const req = rawRequest(server.port, {
        method: "POST",
        path,
        headers: {
          "Content-Type": type,
          ...(chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": "1000" }),
          ...extra,
        },
      });
      req.socket.write(chunked ? '3\r\n{"r\r\n' : '{"r'); // and then nothing more
      const answer = await req.answer;
      expect(answer.status).toBe(408);
      expect(answer.headers["content-type"]).toMatch(/problem\+json/);
      const problem = JSON.parse(answer.body) as { request_id: string; detail: string };
      expect(problem.request_id).toBe(answer.headers["x-request-id"]);
      expect(problem.detail).toMatch(/did not arrive within 800 ms/);
      await req.closed;
    },
  );
});

describe("SIGTERM with unauthenticated bodies still arriving", () => {
  it("closes them and exits 0 within the grace period, without a body timeout", async () => {
    const server = await startServer(
      { MODEL_URI: MODEL_DIR, BODY_TIMEOUT_MS: "0", SHUTDOWN_GRACE_MS: "5000", LOG_LEVEL: "info" },
      { waitPath: "/readyz" },
    );
    // An API call without a key (answered 401 at once; node waits for the rest of the body)
    // and a form post whose body the server is reading: both stall.
    const anonymous = rawRequest(server.port, {
      method: "POST",
      path: "/api/v1/predict",
      headers: { "Content-Type": "application/json", "Content-Length": "1000" },
    });
    anonymous.socket.write('{"records":');
    const form = rawRequest(server.port, {
      method: "POST",
      path: "/?index",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000" },
    });
    form.socket.write("Gr_Liv_Area=1");
    expect((await anonymous.answer).status).toBe(401);
    await sleep(300);

    const exit = await server.stop("SIGTERM");
    expect(exit.code).toBe(0);
    // Had they held the close, the grace timer would have forced exit code 1 after 5 s.
    expect(server.logs()).toMatch(/shutdown complete.*"closed_unread_bodies":2/);
    expect(server.logs()).not.toMatch(/grace period exceeded/);
    await Promise.all([anonymous.closed, form.closed]);
  });
});
