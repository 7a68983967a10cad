import type { Labelled } from "~/monitoring/performance";

/**
 * The most recent predictions, for joining sale prices reported later (POST /api/v1/feedback):
 * a ring of `capacity` slots and an id → slot map, so memory stays bounded whatever the
 * traffic; the oldest prediction is forgotten when a new one needs its slot.
 */
export class HeldPredictions {
  private readonly ids: (string | undefined)[];
  private readonly price: Float64Array;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  /** The interval's static log half-width and group (what recalibration scores against). */
  private readonly half: Float64Array;
  private readonly group: string[];
  /** The sale price reported for the slot's prediction; NaN while none was. */
  private readonly actual: Float64Array;
  private readonly slots = new Map<string, number>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.ids = new Array(capacity);
    this.price = new Float64Array(capacity);
    this.lower = new Float64Array(capacity);
    this.upper = new Float64Array(capacity);
    this.half = new Float64Array(capacity);
    this.group = new Array<string>(capacity);
    this.actual = new Float64Array(capacity);
  }

  get size(): number {
    return this.slots.size;
  }

  add(
    id: string,
    price: number,
    lower: number,
    upper: number,
    interval: { half: number; group: string } = { half: Number.NaN, group: "" },
  ): void {
    if (this.capacity === 0) return;
    const slot = this.next;
    const old = this.ids[slot];
    if (old !== undefined) this.slots.delete(old);
    this.ids[slot] = id;
    this.price[slot] = price;
    this.lower[slot] = lower;
    this.upper[slot] = upper;
    this.half[slot] = interval.half;
    this.group[slot] = interval.group;
    this.actual[slot] = Number.NaN;
    this.slots.set(id, slot);
    this.next = (slot + 1) % this.capacity;
  }

  /**
   * Records the sale price of prediction `id`: the labelled row, and the earlier label when the
   * sale was reported before (undefined if not); undefined altogether for an unknown id.
   */
  label(
    id: string,
    actual: number,
  ):
    | { row: Labelled; previous: Labelled | undefined; interval: { half: number; group: string } }
    | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const base = { price: this.price[slot], lower: this.lower[slot], upper: this.upper[slot] };
    const before = this.actual[slot];
    this.actual[slot] = actual;
    return {
      row: { ...base, actual },
      previous: Number.isNaN(before) ? undefined : { ...base, actual: before },
      interval: { half: this.half[slot], group: this.group[slot] },
    };
  }
}
