import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { decodeBodyText, readBody } from "~/lib/body.server";
import { MalformedRequestError, PayloadTooLargeError } from "~/lib/errors.server";

const readBodyText = async (request: IncomingMessage, maxBytes: number) =>
  decodeBodyText(await readBody(request, maxBytes));

/** A request whose body arrives in the given byte chunks (as a streamed upload would). */
function post(...chunks: Uint8Array[]): IncomingMessage {
  const stream = Readable.from(
    chunks.map((c) => Buffer.from(c)),
    { objectMode: false },
  );
  return Object.assign(stream, { complete: true }) as unknown as IncomingMessage;
}
const bytes = (s: string) => new TextEncoder().encode(s);

describe("readBody + decodeBodyText", () => {
  it("decodes ASCII and UTF-8 bodies, including characters split across chunks", async () => {
    expect(await readBodyText(post(bytes('{"a":'), bytes("1}")), 1000)).toBe('{"a":1}');
    const text = '{"name":"Café Ørsted – 北"}';
    const all = bytes(text);
    // Split inside the multi-byte sequences of "é" and "北".
    const cut1 = text.indexOf("é") + 1;
    const cut2 = all.length - 3;
    const decoded = await readBodyText(
      post(all.subarray(0, cut1), all.subarray(cut1, cut2), all.subarray(cut2)),
      1000,
    );
    expect(decoded).toBe(text);
  });

  it("drops a UTF-8 byte-order mark, like the standard decoder", async () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('{"a":"é"}')]);
    expect(await readBodyText(post(withBom), 1000)).toBe('{"a":"é"}');
  });

  it("rejects bytes that are not UTF-8 (latin1 'é', a lone continuation byte)", async () => {
    for (const bad of [new Uint8Array([0x7b, 0xe9, 0x7d]), new Uint8Array([0x41, 0x80])]) {
      await expect(readBodyText(post(bad), 1000)).rejects.toBeInstanceOf(MalformedRequestError);
    }
  });

  it("counts bytes as they stream and stops past the limit", async () => {
    const chunk = bytes("x".repeat(600));
    await expect(readBodyText(post(chunk, chunk), 1000)).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(await readBodyText(post(chunk), 600)).toHaveLength(600);
  });

  it("frees the chunks a body arrived in once it is assembled, keeping every byte", async () => {
    // node's HTTP parser hands each chunk over in a buffer of its own, as here.
    const chunks = [0, 1, 2].map((i) => Buffer.alloc(64 * 1024, 97 + i));
    const stream = Object.assign(Readable.from(chunks, { objectMode: false }), { complete: true });
    const body = await readBody(stream as unknown as IncomingMessage, 1024 * 1024);
    expect(body.toString("latin1")).toBe(["a", "b", "c"].map((c) => c.repeat(65536)).join(""));
    expect(chunks.map((c) => c.byteLength)).toEqual([0, 0, 0]);
  });

  it("reads an empty body as an empty string", async () => {
    expect(await readBodyText(post(), 10)).toBe("");
  });
});
