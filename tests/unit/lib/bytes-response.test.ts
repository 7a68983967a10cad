import http from "node:http";
import type { AddressInfo } from "node:net";
import { sendResponse } from "@remix-run/node-fetch-server";
import { afterEach, describe, expect, it } from "vitest";
import { bytesResponse, freeWhenSent } from "~/lib/bytes-response.server";

// A large answer's bytes are sent as they are, with their length, and freed once the socket
// has them (ADR 0066), through node's real HTTP stack and the library the server sends with.

let server: http.Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** Serves `response` once (the server's order: freeWhenSent, then sendResponse). */
async function serve(response: Response): Promise<{ url: string; finished: Promise<void> }> {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  server = http.createServer((_req, res) => {
    freeWhenSent(response, res);
    res.once("finish", finish);
    void sendResponse(res, response);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, finished };
}

describe("bytesResponse", () => {
  it("sends the bytes themselves with their Content-Length, then frees them", async () => {
    const text = "é,".repeat(300_000); // multi-byte text, larger than a socket write
    const bytes = new TextEncoder().encode(text);
    const length = bytes.byteLength; // read now: sending frees them
    const { url, finished } = await serve(
      bytesResponse(bytes, { headers: { "Content-Type": "text/csv" } }),
    );
    const res = await fetch(url);
    expect(res.headers.get("content-length")).toBe(String(length));
    expect(res.headers.get("content-type")).toBe("text/csv");
    expect(await res.text()).toBe(text);
    await finished;
    await new Promise((r) => setImmediate(r)); // listeners run in order: ours was first
    expect(bytes.byteLength).toBe(0); // detached: the memory is back
  });

  it("encodes text once and counts its bytes, not its characters", async () => {
    const { url } = await serve(bytesResponse('{"price":"€"}', { status: 201 }));
    const res = await fetch(url);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength('{"price":"€"}')));
    expect(await res.json()).toEqual({ price: "€" });
  });

  it("leaves every other response's body alone", async () => {
    const shared = new TextEncoder().encode("shared bytes a route keeps");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(shared);
        controller.close();
      },
    });
    const { url, finished } = await serve(new Response(stream));
    expect(await (await fetch(url)).text()).toBe("shared bytes a route keeps");
    await finished;
    expect(new TextDecoder().decode(shared)).toBe("shared bytes a route keeps");
  });
});
