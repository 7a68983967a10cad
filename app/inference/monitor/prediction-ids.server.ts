import { randomFillSync } from "node:crypto";

// Prediction ids are random UUIDs (version 4) as the API shows them, and 16 bytes where the
// server keeps them: a scoring thread sends a batch's ids to the event loop as bytes and
// the monitor holds them in typed arrays: the event loop makes no string per row (ADR 0068).

import { ID_BYTES } from "./batch";

export { ID_BYTES };

// randomFillSync costs about as much for 16 bytes as for 4 KiB: ids are drawn from 4 KiB of
// random bytes made at once (node's randomUUID keeps such a cache too), each byte used once.
const pool = new Uint8Array(4096);
let poolAt = pool.length;

/** Fills `ids` (16 bytes per row) with new random version-4 UUIDs. */
export function fillNewIds(ids: Uint8Array): void {
  for (let at = 0; at < ids.length;) {
    const rest = ids.length - at;
    if (poolAt === pool.length && rest >= pool.length) {
      // A large batch: whole pool-sized runs straight into `ids`.
      const run = rest - (rest % pool.length);
      randomFillSync(ids, at, run);
      at += run;
      continue;
    }
    if (poolAt === pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const take = Math.min(ids.length - at, pool.length - poolAt);
    ids.set(pool.subarray(poolAt, poolAt + take), at);
    poolAt += take;
    at += take;
  }
  for (let at = 0; at < ids.length; at += ID_BYTES) {
    ids[at + 6] = (ids[at + 6] & 0x0f) | 0x40; // version 4
    ids[at + 8] = (ids[at + 8] & 0x3f) | 0x80; // RFC 9562 variant
  }
}

/** Whether row `row` has an id (a row error has none: its 16 bytes stay zero). */
export const hasId = (ids: Uint8Array, row: number): boolean => ids[row * ID_BYTES + 6] !== 0;

/** Every row's id as text, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` (lowercase). */
export function idTexts(ids: Uint8Array): string[] {
  // One hex conversion for the whole batch: faster than a string built per id.
  // A copy, not a view: a view would move a small array's bytes out of V8's heap.
  const hex = Buffer.from(ids).toString("hex");
  const texts = new Array<string>(ids.length / ID_BYTES);
  for (let k = 0; k < texts.length; k++) {
    const h = (from: number, to: number) => hex.slice(k * 32 + from, k * 32 + to);
    texts[k] = `${h(0, 8)}-${h(8, 12)}-${h(12, 16)}-${h(16, 20)}-${h(20, 32)}`;
  }
  return texts;
}

/** Row `row`'s id as text. */
export const idText = (ids: Uint8Array, row: number): string =>
  idTexts(ids.subarray(row * ID_BYTES, (row + 1) * ID_BYTES))[0];

// Lowercase only: the prediction log and the offline report join ids as the API wrote them.
const ID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Reads an id as idTexts writes it into `out` (16 bytes); false for any other text, which
 * therefore names no prediction.
 */
export function parseId(text: string, out: Uint8Array): boolean {
  if (!ID_TEXT.test(text)) return false;
  out.set(Buffer.from(text.replaceAll("-", ""), "hex"));
  return hasId(out, 0);
}
