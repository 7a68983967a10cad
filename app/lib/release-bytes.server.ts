// Freeing a large buffer when its last use is known, not when its isolate next collects
// garbage. A dead ArrayBuffer's memory stays resident until a GC finds it, and V8 lets
// tens of MB of them pile up per isolate between collections (ADR 0053): the chunks of a
// request body once assembled, a scoring thread's 1.5 MB request or 5 MB upload once decoded.

type Detachable = ArrayBuffer & { transfer?(length: number): ArrayBuffer; detached?: boolean };

/**
 * Releases the memory under `bytes` now (ES2024 `ArrayBuffer.prototype.transfer(0)`
 * detaches it: every view of it reads as empty from here on). Only for bytes nothing else
 * uses: a body's chunks once assembled, a scoring thread's moved request body, a copy made
 * for one parse. Bytes that view part of a larger buffer (Node's pooled Buffers), or a
 * buffer that cannot be detached, are left to the garbage collector.
 */
export function releaseBytes(bytes: Uint8Array | ArrayBuffer): void {
  const view = bytes instanceof ArrayBuffer ? undefined : bytes;
  const buffer = (view ? view.buffer : bytes) as Detachable;
  const whole = !view || (view.byteOffset === 0 && view.byteLength === buffer.byteLength);
  if (!whole || !(buffer instanceof ArrayBuffer) || buffer.detached !== false) return;
  try {
    buffer.transfer?.(0);
  } catch {
    // Marked untransferable (Node's Buffer pool): the collector frees it as before.
  }
}
