/**
 * The V8 flags every launch of the server passes to node: the container's CMD, `npm start`
 * (so `make run`), the benchmark and the HTTP and e2e tests. tests/unit/infra.test.ts keeps the
 * Dockerfile and package.json in step with this list. Not NODE_OPTIONS: node refuses this
 * flag there.
 *
 * `--initial-old-space-size=64` (ADR 0020): a 64 MB floor under each isolate's old-generation
 * limit. Without it V8 sets the limit barely above the small live heap, and the body buffers
 * each batch request allocates outside the heap count against that limit: a full
 * mark-compact every few requests, on the event loop and on each scoring thread.
 */
export const NODE_FLAGS = ["--initial-old-space-size=64"] as const;
