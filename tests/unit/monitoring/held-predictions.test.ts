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
  it("are version-4 UUIDs that read back to the same bytes, in either case", () => {
    const { bytes, text } = newIds(500);
    expect(new Set(text).size).toBe(500);
    const back = new Uint8Array(ID_BYTES);
    text.forEach((id, k) => {
      expect(id).toMatch(UUID_V4);
      expect(hasId(bytes, k)).toBe(true);
      expect(parseId(id.toUpperCase(), back)).toBe(true);
      expect([...back]).toEqual([...bytes.subarray(k * ID_BYTES, (k + 1) * ID_BYTES)]);
    });
  });

  it("parse only what idText writes", () => {
    const out = new Uint8Array(ID_BYTES);
    expect(parseId(randomUUID(), out)).toBe(true); // node's own v4 UUIDs have the same form
    for (const bad of [
      "",
      "p1",
      "5f0c",
      randomUUID().replace(/-/g, "_"),
      `${randomUUID().slice(0, 35)}g`,
      `${randomUUID()}0`,
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

  // "colliding": ids probe from 7 neighbouring table positions (1019–1023, 0, 1 of 1024), so
  // runs are long, overlap and wrap around the table's end, and removals shift them.
  it.each(["random", "colliding"])("answers like a Map over the same ring, %s ids", (kind) => {
    const capacity = 257; // not a power of two: the ring and the table wrap differently
    const held = new HeldPredictions(capacity);
    const reference = new Map<string, number>();
    const ring: string[] = [];
    const { bytes } = newIds(kind === "random" ? 5_000 : 1_500);
    if (kind === "colliding") {
      for (let at = 0; at < bytes.length; at += ID_BYTES) {
        new DataView(bytes.buffer).setUint32(at, (1019 + ((at / ID_BYTES) % 7)) % 1024, true);
      }
    }
    const text = Array.from({ length: bytes.length / ID_BYTES }, (_, k) => idText(bytes, k));
    const key = new Uint8Array(ID_BYTES);
    for (let k = 0; k < text.length; k++) {
      held.add(bytes, k * ID_BYTES, k, k - 1, k + 1, interval(k));
      if (ring.length === capacity) reference.delete(ring.shift()!);
      ring.push(text[k]);
      reference.set(text[k], k);
      expect(held.size).toBe(reference.size);
      // Look up a held id, an evicted one and a never-seen one every step.
      for (const probe of [
        text[k - (k % capacity)],
        text[Math.max(0, k - capacity)],
        randomUUID(),
      ]) {
        parseId(probe, key);
        const expected = reference.get(probe);
        const got = held.label(key, 1)?.row.price;
        expect(got).toBe(expected);
      }
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
