// The browser build is served precompressed (scripts/compress-assets.mjs writes .br and .gz
// at build time; sirv picks the one the client accepts): same bytes once decoded, immutable.
import http from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers/server";

let server: TestServer;
let assets: string[];

type Raw = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
// node:http, not fetch: fetch decodes the body and hides what came over the wire.
const get = (path: string, acceptEncoding?: string) =>
  new Promise<Raw>((resolve, reject) => {
    const headers = acceptEncoding ? { "Accept-Encoding": acceptEncoding } : {};
    http
      .get(`${server.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
      .once("error", reject);
  });

beforeAll(async () => {
  server = await startServer({}, { waitPath: "/healthz" });
  const html = (await get("/")).body.toString("utf8");
  assets = [...new Set(html.match(/\/build\/[^"]+\.(?:js|css)/g) ?? [])];
});
afterAll(() => server?.stop());

describe("precompressed build assets", () => {
  it("the page loads several JS and CSS assets", () => {
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    expect(assets.filter((a) => a.endsWith(".js")).length).toBeGreaterThan(2);
  });

  it("brotli, gzip or raw by Accept-Encoding, the same bytes decoded, cached immutably", async () => {
    for (const asset of assets) {
      const raw = await get(asset);
      expect(raw.status).toBe(200);
      expect(raw.headers["content-encoding"]).toBeUndefined();
      expect(raw.headers["cache-control"]).toContain("immutable");
      if (raw.body.length < 1024) continue; // too small to be worth compressing

      const br = await get(asset, "gzip, deflate, br");
      expect(br.headers["content-encoding"]).toBe("br");
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(br.headers["cache-control"]).toContain("immutable");
      expect(br.headers["content-type"]).toBe(raw.headers["content-type"]);
      expect(br.body.length).toBeLessThan(raw.body.length);
      expect(brotliDecompressSync(br.body).equals(raw.body)).toBe(true);

      const gz = await get(asset, "gzip");
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gunzipSync(gz.body).equals(raw.body)).toBe(true);
    }
  });
});
