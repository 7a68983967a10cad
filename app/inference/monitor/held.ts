import type { Labelled } from "~/monitoring/performance";
import { ID_BYTES, nameIndex } from "./batch";

const ID_WORDS = ID_BYTES / 4;
const EMPTY = 0;

/**
 * The most recent predictions, for joining sale prices reported later (POST /api/v1/feedback):
 * a ring of `capacity` slots, the oldest prediction forgotten when a new one needs its slot.
 * Ids are kept as their 16 bytes in an open-addressing table (linear probing, entries are
 * slot + 1), not as strings in a Map: at thousands of predictions a second a Map's keys
 * become garbage in the event loop's old generation as fast as they come (ADR 0068).
 */
export class HeldPredictions {
  private readonly ids: Uint32Array;
  private readonly idBytes: Uint8Array;
  private readonly price: Float64Array;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  /** The interval's static log half-width and group (what recalibration scores against). */
  private readonly half: Float64Array;
  private readonly group: Uint16Array;
  private readonly groupNames: string[] = [];
  /** The sale price reported for the slot's prediction; NaN while none was. */
  private readonly actual: Float64Array;
  /** At least twice the capacity, a power of two: probes stay short and always end. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly key = new Uint32Array(ID_WORDS);
  private readonly keyBytes = new Uint8Array(this.key.buffer);
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.ids = new Uint32Array(capacity * ID_WORDS);
    this.idBytes = new Uint8Array(this.ids.buffer);
    this.price = new Float64Array(capacity);
    this.lower = new Float64Array(capacity);
    this.upper = new Float64Array(capacity);
    this.half = new Float64Array(capacity);
    this.group = new Uint16Array(capacity);
    this.actual = new Float64Array(capacity);
    const size = capacity === 0 ? 1 : 2 ** Math.ceil(Math.log2(capacity * 2));
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Holds a prediction: its id (16 bytes at `idAt` of `ids`), price and interval. */
  add(
    ids: Uint8Array,
    idAt: number,
    price: number,
    lower: number,
    upper: number,
    interval: { half: number; group: string },
  ): void {
    if (this.capacity === 0) return;
    const slot = this.next;
    // The ring fills in order: once full, the next slot holds the oldest prediction.
    if (this.count === this.capacity) this.remove(slot);
    for (let b = 0; b < ID_BYTES; b++) this.idBytes[slot * ID_BYTES + b] = ids[idAt + b];
    this.price[slot] = price;
    this.lower[slot] = lower;
    this.upper[slot] = upper;
    this.half[slot] = interval.half;
    this.group[slot] = nameIndex(this.groupNames, interval.group);
    this.actual[slot] = Number.NaN;
    this.count++;
    let at = this.home(slot * ID_WORDS);
    while (this.table[at] !== EMPTY) at = (at + 1) & this.mask;
    this.table[at] = slot + 1;
    this.next = (slot + 1) % this.capacity;
  }

  /**
   * Records the sale price of the prediction whose id is `id` (16 bytes): the labelled row,
   * and the earlier label when the sale was reported before (undefined if not); undefined
   * altogether for an unknown id.
   */
  label(
    id: Uint8Array,
    actual: number,
  ):
    | { row: Labelled; previous: Labelled | undefined; interval: { half: number; group: string } }
    | undefined {
    if (this.capacity === 0) return undefined;
    for (let b = 0; b < ID_BYTES; b++) this.keyBytes[b] = id[b];
    const slot = this.find();
    if (slot === undefined) return undefined;
    const base = { price: this.price[slot], lower: this.lower[slot], upper: this.upper[slot] };
    const before = this.actual[slot];
    this.actual[slot] = actual;
    return {
      row: { ...base, actual },
      previous: Number.isNaN(before) ? undefined : { ...base, actual: before },
      interval: { half: this.half[slot], group: this.groupNames[this.group[slot]] },
    };
  }

  /** The table position an id (its first word at `word` of `ids`) is probed from. */
  private home(word: number): number {
    // Ids are random: their first four bytes are as good a hash as any.
    return this.ids[word] & this.mask;
  }

  private find(): number | undefined {
    const key = this.key;
    for (let at = key[0] & this.mask; this.table[at] !== EMPTY; at = (at + 1) & this.mask) {
      const w = (this.table[at] - 1) * ID_WORDS;
      const ids = this.ids;
      if (
        ids[w] === key[0] &&
        ids[w + 1] === key[1] &&
        ids[w + 2] === key[2] &&
        ids[w + 3] === key[3]
      ) {
        return this.table[at] - 1;
      }
    }
    return undefined;
  }

  /** Takes slot `slot`'s id out of the table, shifting later entries of its run back. */
  private remove(slot: number): void {
    let hole = this.home(slot * ID_WORDS);
    while (this.table[hole] !== slot + 1) {
      if (this.table[hole] === EMPTY) throw new Error(`held slot ${slot} is not in its table`);
      hole = (hole + 1) & this.mask;
    }
    for (let at = (hole + 1) & this.mask; this.table[at] !== EMPTY; at = (at + 1) & this.mask) {
      const home = this.home((this.table[at] - 1) * ID_WORDS);
      // The entry at `at` may fill the hole unless its home lies cyclically in (hole, at].
      const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (!stays) {
        this.table[hole] = this.table[at];
        hole = at;
      }
    }
    this.table[hole] = EMPTY;
    this.count--;
  }
}
