import type { BodyKind } from "~/lib/body.server";

// How much scoring work a request body holds, counted without parsing it: what decides
// whether it runs on the event loop or on a scoring thread (ADR 0030). The cost of a request
// follows its records, not its bytes: `{"records":[{},{},…]}` with 10,000 empty records is
// 30 KB and ~1 s of validation. The counts err high (a comma in a string, a quoted line
// break), which only sends a request to a thread that could have stayed.

const COMMA = 0x2c;
const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Items of the arrays nested one level in a JSON body (`records` in `{"records":[…]}`): the
 * commas at depth 2 plus one per non-empty array. Strings are skipped, so a comma inside a
 * value is not counted.
 */
export function countJsonRecords(body: Uint8Array): number {
  let depth = 0;
  let inString = false;
  let count = 0;
  let pendingItem = false; // an array at depth 2 was opened and has no item yet
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (pendingItem && !SPACE.has(c) && !CLOSE.has(c)) {
      count++;
      pendingItem = false;
    }
    if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      depth++;
      if (depth === 2) pendingItem = true;
    } else if (CLOSE.has(c)) {
      if (depth === 2) pendingItem = false;
      depth--;
    } else if (c === COMMA && depth === 2) count++;
  }
  return count;
}

/** Lines of a text body (a CSV's rows, or a multipart upload's file), the header included. */
export function countLines(body: Uint8Array): number {
  let lines = 0;
  for (let at = body.indexOf(LF); at !== -1; at = body.indexOf(LF, at + 1)) lines++;
  return body.length > 0 && body[body.length - 1] !== LF ? lines + 1 : lines;
}

/** The records a body holds, as far as placement is concerned. */
export const countWork = (body: Uint8Array, kind: BodyKind | "multipart"): number =>
  kind === "json" ? countJsonRecords(body) : Math.max(0, countLines(body) - 1);
