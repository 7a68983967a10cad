import v8 from "node:v8";
import vm from "node:vm";

/**
 * Keeps the batch job's heap bounded. Every chunk leaves ~tens of MB of garbage that lived
 * through an await (so it was promoted to the old generation), and V8 lets the old
 * generation grow far before collecting it: peak RSS then depends on timing, not on the
 * data. A full collection when the used heap passes `limitBytes` makes memory a property of
 * the chunk size again. It runs only when needed (every few chunks, ~10–30 ms each).
 */
export function createHeapGuard(limitBytes: number): () => boolean {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  return () => {
    if (v8.getHeapStatistics().used_heap_size < limitBytes) return false;
    gc();
    return true;
  };
}
