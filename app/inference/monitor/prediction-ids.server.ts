import { randomFillSync } from "node:crypto";

// Prediction ids are random UUIDs (version 4) as the API shows them, and 16 bytes where the
// server keeps them: a scoring thread sends a batch's ids to the event loop in one buffer and
// the monitor holds them in typed arrays: the event loop makes no string per row (ADR 0068).

export const ID_BYTES = 16;

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const HEX_VALUE = new Map(HEX.map((h, b) => [h, b]));

/** Fills `ids` (16 bytes per row) with new random version-4 UUIDs. */
export function fillNewIds(ids: Uint8Array): void {
  randomFillSync(ids);
  for (let at = 0; at < ids.length; at += ID_BYTES) {
    ids[at + 6] = (ids[at + 6] & 0x0f) | 0x40; // version 4
    ids[at + 8] = (ids[at + 8] & 0x3f) | 0x80; // RFC 9562 variant
  }
}

/** Whether row `row` has an id (a row error has none: its 16 bytes stay zero). */
export const hasId = (ids: Uint8Array, row: number): boolean => ids[row * ID_BYTES + 6] !== 0;

/** The id of row `row` as text: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, lowercase. */
export function idText(ids: Uint8Array, row: number): string {
  const at = row * ID_BYTES;
  const h = (k: number) => HEX[ids[at + k]];
  return (
    `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-` +
    `${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
  );
}

/** Where each byte's two hex digits start in the text form. */
const PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * Reads an id written by idText (either case) into `out` (16 bytes); false for any other
 * text, which therefore names no prediction.
 */
export function parseId(text: string, out: Uint8Array): boolean {
  if (text.length !== 36) return false;
  const lower = text.toLowerCase();
  if (lower[8] !== "-" || lower[13] !== "-" || lower[18] !== "-" || lower[23] !== "-") {
    return false;
  }
  for (let k = 0; k < ID_BYTES; k++) {
    const byte = HEX_VALUE.get(lower.slice(PAIRS[k], PAIRS[k] + 2));
    if (byte === undefined) return false;
    out[k] = byte;
  }
  return out[6] !== 0;
}
