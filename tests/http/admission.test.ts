import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawExchange } from "./helpers/http";
import { startServer, type TestServer } from "./helpers/server";

// Request admission (server/admission.ts): the route a request is checked against is the
// route that runs. A 64 MiB chunked form body, aimed at the estimate page's action through
// a dot segment, a Host that carries a query, or directly, must be refused without the
// server holding it, also under the ECS heap cap.

const MiB = 1024 * 1024;
const BODY_BYTES = 64 * MiB;
const MAX_RSS_GROWTH = 48 * MiB;

type Answer = { status: number; headers: string; body: string };

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) * 1024;
}

/** The answer in `raw` once it is complete (Content-Length or chunked framing), else undefined. */
function parseAnswer(raw: string): Answer | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(raw);
  if (!match) return undefined;
  const headers = match[2].toLowerCase();
  const length = /^content-length: (\d+)$/m.exec(headers);
  const complete = length ? match[3].length >= Number(length[1]) : match[3].endsWith("0\r\n\r\n");
  return complete ? { status: Number(match[1]), headers, body: match[3] } : undefined;
}

/**
 * Sends `head` and then a chunked body of `bodyBytes` in 64 KiB chunks, whatever the server
 * answers meanwhile, on a keep-alive connection. Resolves with the answer once the whole
 * body went out (or the server closed) and the answer is complete.
 */
function sendChunked(port: number, head: string, bodyBytes: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(64 * 1024, "x");
    const framed = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from("\r\n"),
    ]);
    let received = "";
    let sent = 0;
    let done = false;
    let closed = false;
    const settle = () => {
      const answer = parseAnswer(received);
      if (answer && (done || closed)) {
        socket.destroy();
        resolve(answer);
      } else if (closed) reject(new Error(`no complete answer (sent ${sent} bytes): ${received}`));
    };
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      received += d;
      settle();
    });
    socket.on("error", () => {}); // reported by 'close' without an answer
    socket.on("close", () => {
      closed = true;
      settle();
    });
    const pump = () => {
      while (!closed && sent < bodyBytes) {
        sent += chunk.length;
        if (!socket.write(framed)) return void socket.once("drain", pump);
      }
      if (!closed) socket.write("0\r\n\r\n", () => ((done = true), settle()));
    };
    socket.once("connect", () => {
      socket.write(head);
      pump();
    });
  });
}

const formHead = (target: string, host: string) =>
  `POST ${target} HTTP/1.1\r\nHost: ${host}\r\n` +
  "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";

/** The problem body of an answer (chunked or not). */
function problemOf(answer: Answer): { status: number; title: string; request_id?: string } {
  const start = answer.body.indexOf("{");
  const end = answer.body.lastIndexOf("}");
  return JSON.parse(answer.body.slice(start, end + 1));
}

async function alive(server: TestServer) {
  expect(server.proc.exitCode).toBeNull();
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
}

describe.each([
  { name: "default heap", env: {} },
  { name: "ECS heap cap", env: { NODE_OPTIONS: "--max-old-space-size=384" } },
])("64 MiB chunked form bodies ($name)", ({ env }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...env, RATE_LIMIT_PER_MINUTE: "0" }, { waitPath: "/readyz" });
    // The first form post compiles the page's code paths: not what is measured.
    await fetch(`${server.url}/?index`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "Gr_Liv_Area=1500",
      redirect: "manual",
    }).then((r) => r.arrayBuffer());
  });
  afterAll(async () => {
    await server?.stop();
  });

  const host = () => `127.0.0.1:${server.port}`;
  it.each([
    { trick: "a dot segment", target: "/api/../?index", host: undefined, status: 413 },
    { trick: "a Host with a query", target: "/api/x", host: "x/?index&", status: 400 },
    { trick: "the page itself", target: "/?index", host: undefined, status: 413 },
  ])("through $trick: $status problem+json, RSS bounded, server alive", async (c) => {
    const pid = server.proc.pid!;
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    const answer = await sendChunked(
      server.port,
      formHead(c.target, c.host ?? host()),
      BODY_BYTES,
    ).finally(() => clearInterval(sampler));
    peak = Math.max(peak, rssBytes(pid));

    expect(answer.status).toBe(c.status);
    expect(answer.headers).toContain("content-type: application/problem+json");
    // The rest of the body is never read: the connection closes after the answer.
    expect(answer.headers).toContain("connection: close");
    expect(problemOf(answer)).toMatchObject({ status: c.status });
    expect(peak - before).toBeLessThan(MAX_RSS_GROWTH);
    await alive(server);
  });
});

describe("Host header", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ APP_ENV: "production", LOG_LEVEL: "debug" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const exchange = (payload: string) => rawExchange(server.port, payload);

  it.each(["x/?index&", "a b", "evil@host", "host:port", "host:99999", "[", "x\\y", "h#f"])(
    "%j → 400 problem+json",
    async (host) => {
      const answer = await exchange(
        `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain("application/problem+json");
      expect(answer).toMatch(/"request_id":"[^"]+"/);
    },
  );

  it.each(["localhost", "127.0.0.1:3000", "[::1]:8080", "api.example.com", "my_service:80"])(
    "%j is a host",
    async (host) => {
      const answer = await exchange(
        `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    },
  );

  it("the access log and metrics name the route that ran, not the raw path", async () => {
    const answer = await exchange(
      `GET /api/../healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: dot-segment-0001\r\n` +
        "Connection: close\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    const line = await server.waitForLog(/dot-segment-0001/);
    expect(JSON.parse(line)).toMatchObject({ path: "/healthz", route: "/healthz", status: 200 });
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/healthz",method="GET",status="200"\}/);
    expect(metrics).not.toMatch(/route="\/api\/\.\./);
  });
});
