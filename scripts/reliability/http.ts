import http from "node:http";

// Raw HTTP for the reliability checks: exact bytes out (bad UTF-8, wrong lengths, odd
// headers fetch() would refuse), and every outcome recorded — a status or a socket error.

export type Sent = { method: string; path: string; headers: Record<string, string>; body?: Buffer };

export type Answer = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Socket-level failure (reset, refused, timeout): the request got no HTTP answer. */
  error?: string;
  startedAt: number;
  endedAt: number;
};

export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

export function send(
  base: string,
  req: Sent,
  agent?: http.Agent,
  timeoutMs = 30_000,
): Promise<Answer> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const done = (a: Omit<Answer, "startedAt" | "endedAt">) =>
      resolve({ ...a, startedAt, endedAt: Date.now() });
    const headers: Record<string, string> = { ...req.headers };
    // A body sent chunked (Transfer-Encoding set by the caller) has no Content-Length.
    const chunked = /chunked/i.test(headers["Transfer-Encoding"] ?? "");
    if (req.body !== undefined && !chunked) headers["Content-Length"] = String(req.body.length);
    const r = http.request(`${base}${req.path}`, {
      method: req.method,
      headers,
      agent,
      timeout: timeoutMs,
    });
    r.once("timeout", () => r.destroy(new Error("client timeout")));
    r.once("error", (e: NodeJS.ErrnoException) =>
      done({ status: 0, headers: {}, body: "", error: e.code ?? e.message }),
    );
    r.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", (e: NodeJS.ErrnoException) =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: "",
          error: e.code ?? e.message,
        }),
      );
      res.once("end", () =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    r.end(req.body);
  });
}

/** Runs `items` through `worker` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await worker(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}
