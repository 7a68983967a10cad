// Observed batches as predictRecords() sends them to the monitor, for the monitor's tests.
import { groupIndex, newObservedBatch, type ObservedBatch } from "~/inference/monitor/batch";
import { fillNewIds, ID_BYTES, idText } from "~/inference/monitor/prediction-ids.server";

/** `n` new prediction ids: their 16 bytes each, and their text. */
export function newIds(n: number): { bytes: Uint8Array; text: string[] } {
  const bytes = new Uint8Array(n * ID_BYTES);
  fillNewIds(bytes);
  return { bytes, text: Array.from({ length: n }, (_, k) => idText(bytes, k)) };
}

/** `n` rows with the same price and interval, without bin codes; and their ids' text. */
export function uniformBatch(
  n: number,
  { version = "v1", price = 200_000, half = 0.1, group = "full/typical" } = {},
): { batch: ObservedBatch; ids: string[] } {
  const batch = newObservedBatch(n, 0, { version, source: "api", time: Date.now(), level: 0.9 });
  fillNewIds(batch.ids);
  for (let k = 0; k < n; k++) {
    batch.price[k] = price;
    batch.lower[k] = price * Math.exp(-half);
    batch.upper[k] = price * Math.exp(half);
    batch.half[k] = half;
    batch.group[k] = groupIndex(batch, group);
  }
  return { batch, ids: Array.from({ length: n }, (_, k) => idText(batch.ids, k)) };
}
