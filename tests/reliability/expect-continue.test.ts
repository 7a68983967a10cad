import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINIMAL_RECORD } from "../http/helpers/api-fixtures";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";

// `Expect: 100-continue` asks the server whether to send the body at all. A request the
// server refuses on its head (no key, wrong method, wrong type) is answered before the client
// sends a byte of it; a request whose body is read gets "100 Continue" first.

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ RATE_LIMIT_PER_MINUTE: "0" }, { waitPath: "/readyz" });
});
afterAll(async () => server?.stop());

/** Sends a head with Expect: 100-continue and resolves with the first bytes the server sends. */
function head(headers: Record<string, string>, length: number) {
  const socket = net.connect(server.port, "127.0.0.1");
  socket.on("error", () => {});
  const lines = ["POST /api/v1/predict HTTP/1.1", "Host: localhost", "Expect: 100-continue"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${length}`);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  let text = "";
  const first = new Promise<string>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("\r\n\r\n")) resolve(text);
    });
    socket.once("close", () => resolve(text));
  });
  const rest = () =>
    new Promise<string>((resolve) => {
      const check = () => text.includes('"predictions"') && resolve(text);
      socket.on("data", check);
      check();
    });
  return { socket, first, rest };
}

describe("Expect: 100-continue", () => {
  it.each([
    ["no API key", { "Content-Type": "application/json" }, 401],
    [
      "an unsupported Content-Type",
      { "Content-Type": "image/png", "X-API-Key": TEST_API_KEY },
      415,
    ],
  ])("%s: the refusal comes before the body is sent", async (_what, headers, status) => {
    const request = head(headers, 5_000_000);
    const answer = await request.first;
    expect(answer.slice(0, 200)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(answer).not.toContain("100 Continue");
    request.socket.destroy();
  });

  it("a request the route reads gets 100 Continue, then its answer", async () => {
    const body = JSON.stringify({ records: [MINIMAL_RECORD] });
    const request = head(
      { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
      Buffer.byteLength(body),
    );
    expect(await request.first).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    request.socket.write(body);
    const text = await request.rest();
    expect(text).toMatch(/HTTP\/1\.1 200 /);
    request.socket.destroy();
  });
});
