/**
 * Low-level HTTP helpers for tests that need control fetch() does not give: uploading a body
 * in parts (to keep a request in flight), and checking whether a port still accepts.
 */
import http from "node:http";
import net from "node:net";

export type RawResponse = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the response headers arrived. */
  receivedAt: number;
};

export type OpenUpload = {
  /** Sends the rest of the body and ends the request. */
  finish(rest: string | Buffer): number;
  /** The server's response (rejects if the connection fails before one arrives). */
  response: Promise<RawResponse>;
  /** Abandons the request and its socket. */
  abort(): void;
};

/**
 * Starts a request whose body is sent in parts: the headers (with the FULL Content-Length)
 * and `first` go out now, the rest only when finish() is called. Until then the server's
 * handler is blocked reading the body, i.e. the request is genuinely in flight.
 */
export function openUpload(
  url: string,
  options: {
    method?: string;
    headers: Record<string, string>;
    first: string | Buffer;
    totalBytes: number;
    agent?: http.Agent;
  },
): OpenUpload {
  const req = http.request(url, {
    method: options.method ?? "POST",
    headers: { ...options.headers, "Content-Length": String(options.totalBytes) },
    agent: options.agent,
  });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      const receivedAt = Date.now();
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", reject);
      res.once("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          receivedAt,
        }),
      );
    });
  });
  // Callers that abandon the request still get a handled rejection.
  response.catch(() => {});
  req.write(options.first);
  return {
    finish(rest) {
      req.end(rest);
      return Date.now();
    },
    response,
    abort() {
      req.destroy();
    },
  };
}

/** Resolves "refused" if nothing accepts TCP connections on the port, else "accepted". */
export function probeConnect(port: number, host = "127.0.0.1"): Promise<"refused" | "accepted"> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve("accepted");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") resolve("refused");
      else reject(error);
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passed (the caller asserts). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) await sleep(50);
}

/** Writes `payload` as is on a fresh connection and resolves with everything read back. */
export function rawExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(payload));
    let out = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (out += d));
    socket.on("error", reject);
    socket.on("close", () => resolve(out));
  });
}
