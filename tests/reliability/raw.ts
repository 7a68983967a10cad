import net from "node:net";

// A raw HTTP/1.1 client for bodies fetch() cannot send: slow, stalled, chunked and never
// finished. The request head goes out at once; the body is written by the test.

export type RawAnswer = { status: number; headers: Record<string, string>; body: string };

export type RawRequest = {
  socket: net.Socket;
  /** Resolves with the first answer on the socket (the head and what arrived until close). */
  answer: Promise<RawAnswer>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
};

export function rawRequest(
  port: number,
  head: { method: string; path: string; headers: Record<string, string> },
): RawRequest {
  const socket = net.connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  const lines = [`${head.method} ${head.path} HTTP/1.1`, "Host: localhost"];
  for (const [name, value] of Object.entries(head.headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  let text = "";
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => {}); // a reset after the answer is part of some tests
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const tryParse = (final: boolean) => {
      const end = text.indexOf("\r\n\r\n");
      if (end < 0)
        return final ? reject(new Error(`no answer: ${JSON.stringify(text)}`)) : undefined;
      const [statusLine, ...headerLines] = text.slice(0, end).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const at = line.indexOf(":");
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      const rest = text.slice(end + 4);
      const length = Number(headers["content-length"] ?? NaN);
      const chunked = /chunked/i.test(headers["transfer-encoding"] ?? "");
      const complete =
        final ||
        (Number.isFinite(length) && Buffer.byteLength(rest) >= length) ||
        (chunked && rest.endsWith("0\r\n\r\n"));
      if (!complete) return;
      const body = chunked ? dechunk(rest) : rest;
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    };
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      tryParse(false);
    });
    socket.once("close", () => tryParse(true));
  });
  answer.catch(() => {}); // a test that closes the socket itself may never ask for it
  return { socket, answer, closed };
}

function dechunk(text: string): string {
  let out = "";
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(text.slice(at, eol), 16);
    if (!size) break;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

export { sleep } from "../http/helpers/http";

/** Writes `requests` to one connection at once; resolves with what came back when it closed. */
export function pipeline(port: number, requests: string): Promise<{ text: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", () => {}); // the server may reset it: what arrived is the answer
    socket.on("close", () => resolve({ text }));
    socket.write(requests);
  });
}
