// The monitor's held predictions (a ring + an open-addressing table over 16-byte ids) and the
// ids' two forms, checked against a plain Map that keeps the same ring.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HeldPredictions } from "~/inference/monitor/held";
import {
  fillNewIds,
  hasId,
  ID_BYTES,
  idText,
  parseId,
} from "~/inference/monitor/prediction-ids.server";
import { newIds } from "./observed-batches";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("prediction ids", () => {
  it("are version-4 UUIDs that read back to the same bytes", () => {
    const { bytes, text } = newIds(500);
    expect(new Set(text).size).toBe(500);
    const back = new Uint8Array(ID_BYTES);
    text.forEach((id, k) => {
      expect(id).toMatch(UUID_V4);
      expect(hasId(bytes, k)).toBe(true);
      expect(parseId(id, back)).toBe(true);
      expect([...back]).toEqual([...bytes.subarray(k * ID_BYTES, (k + 1) * ID_BYTES)]);
    });
  });

  it("parse only what idTexts writes", () => {
    const out = new Uint8Array(ID_BYTES);
    expect(parseId(randomUUID(), out)).toBe(true); // node's own v4 UUIDs have the same form
    for (const bad of [
      "",
      "p1",
      "5f0c",
      randomUUID().replace(/-/g, "_"),
      `${randomUUID().slice(0, 35)}g`,
      `${randomUUID()}0`,
      randomUUID().toUpperCase(), // the log and the offline report join ids as written
      "00000000-0000-0000-0000-000000000000", // no version: a row without an id
    ]) {
      expect(parseId(bad, out)).toBe(false);
    }
  });

  it("a row without a prediction keeps zero bytes and has no id", () => {
    const ids = new Uint8Array(3 * ID_BYTES);
    fillNewIds(ids);
    ids.fill(0, ID_BYTES, 2 * ID_BYTES);
    expect([0, 1, 2].map((k) => hasId(ids, k))).toEqual([true, false, true]);
    expect(idText(ids, 0)).toMatch(UUID_V4);
  });
});

describe("HeldPredictions", () => {
  const interval = (k: number) => ({ half: k / 1000, group: `g${k % 3}` });

  // "colliding": ids probe from 7 neighbouring table positions (1019–1023, 0, 1 of 1024),
  // chosen at random, so runs are long, overlap and wrap around the table's end, and
  // removals shift them. Capacity 256 fills the table half; 257 wraps ring and table apart.
  it.each([
    ["random", 256],
    ["random", 257],
    ["colliding", 257],
  ] as const)("answers like a Map over the same ring, %s ids, capacity %i", (kind, capacity) => {
    const held = new HeldPredictions(capacity);
    const { bytes } = newIds(3_000);
    let seed = 7;
    const random7 = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) % 7;
    if (kind === "colliding") {
      for (let at = 0; at < bytes.length; at += ID_BYTES) {
        new DataView(bytes.buffer).setUint32(at, (1019 + random7()) % 1024, true);
      }
    }
    const id = (k: number) => bytes.subarray(k * ID_BYTES, (k + 1) * ID_BYTES);
    const unseen = newIds(1).bytes;
    for (let k = 0; k < 3_000; k++) {
      held.add(bytes, k * ID_BYTES, k, k - 1, k + 1, interval(k));
      const oldest = Math.max(0, k - capacity + 1);
      expect(held.size).toBe(k + 1 - oldest);
      // Every held id finds its own prediction; the one just evicted and a new one find none.
      let wrong = 0;
      for (let j = oldest; j <= k; j++) if (held.label(id(j), 1)?.row.price !== j) wrong++;
      expect(wrong).toBe(0);
      if (oldest > 0) expect(held.label(id(oldest - 1), 1)).toBeUndefined();
      expect(held.label(unseen, 1)).toBeUndefined();
    }
  });

  it("a second report of a sale returns the first as `previous`, with the slot's interval", () => {
    const held = new HeldPredictions(4);
    const { bytes } = newIds(1);
    held.add(bytes, 0, 200, 180, 220, { half: 0.1, group: "full/typical" });
    const first = held.label(bytes, 210)!;
    expect(first.previous).toBeUndefined();
    expect(first.interval).toEqual({ half: 0.1, group: "full/typical" });
    const second = held.label(bytes, 205)!;
    expect(second.previous).toEqual({ price: 200, lower: 180, upper: 220, actual: 210 });
    expect(second.row.actual).toBe(205);
  });

  it("holds nothing with capacity 0", () => {
    const held = new HeldPredictions(0);
    const { bytes } = newIds(2);
    held.add(bytes, 0, 1, 1, 1, interval(0));
    expect(held.size).toBe(0);
    expect(held.label(bytes, 1)).toBeUndefined();
  });
});
