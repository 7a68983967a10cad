import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { sendResponse } from "@remix-run/node-fetch-server";
import compression from "compression";
import { afterEach, describe, expect, it } from "vitest";
import { bytesResponse, freeWhenSent } from "~/lib/bytes-response.server";

// A large answer's bytes are sent as they are, with their length, and freed once the socket
// has them (ADR 0066), through node's real HTTP stack and the library the server sends with.

let server: http.Server | undefined;
afterEach(
  () =>
    new Promise<void>((done) => {
      if (!server) return done();
      server.close(() => done());
      server.closeAllConnections(); // fetch keeps its connection open
    }),
);

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

describe("bytesResponse through compression and slow or vanishing clients", () => {
  const big = () => new TextEncoder().encode("row,price\n".repeat(800_000)); // 8 MB

  it("a gzip client gets the same bytes, compressed, and they are freed after", async () => {
    const compress = compression({ threshold: 1024 });
    const bytes = big();
    const expected = Buffer.from(bytes); // a copy to compare with: sending frees `bytes`
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    server = http.createServer((req, res) => {
      compress(req as never, res as never, () => {
        const response = bytesResponse(bytes, { headers: { "Content-Type": "text/csv" } });
        freeWhenSent(response, res);
        res.once("finish", finish);
        void sendResponse(res, response);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { "Accept-Encoding": "gzip" },
    });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true); // fetch gunzips
    await finished;
    await new Promise((r) => setImmediate(r));
    expect(bytes.byteLength).toBe(0);
  });

  it("a client that reads slowly gets every byte, freed once all were sent", async () => {
    const bytes = big();
    const expected = Buffer.from(bytes);
    const { url, finished } = await serve(bytesResponse(bytes));
    const { port } = new URL(url);
    // Slow: the socket paused after the head, resumed later, read to the end.
    const slow = net.connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    slow.on("data", (c: Buffer) => {
      chunks.push(c);
      if (chunks.length === 1) {
        slow.pause();
        setTimeout(() => slow.resume(), 200);
      }
    });
    slow.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await new Promise((resolve) => slow.once("end", resolve));
    const text = Buffer.concat(chunks);
    const body = text.subarray(text.indexOf("\r\n\r\n") + 4);
    expect(body.equals(expected)).toBe(true);
    await finished;
    expect(bytes.byteLength).toBe(0);
  });

  it("a client that leaves mid-answer: no crash, and the bytes are left to the collector", async () => {
    const bytes = big();
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => (closed = resolve));
    server = http.createServer((_req, res) => {
      const response = bytesResponse(bytes);
      freeWhenSent(response, res);
      res.once("close", closed);
      void sendResponse(res, response);
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = net.connect(port, "127.0.0.1");
    client.once("data", () => client.destroy()); // the head arrived: leave
    client.on("error", () => {});
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await gone;
    await new Promise((r) => setTimeout(r, 50));
    expect(bytes.byteLength).toBe(8_000_000); // a write may still be in flight: not freed
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200); // still serving
  });
});
