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
 *
 * `--max-semi-space-size=8` (ADR 0029, then 0067): Node 24's V8 lets the young generation
 * grow to 192 MB (64 MB semi-spaces). With the old generation capped (`--max-old-space-size`:
 * ECS, the soak test), live old + young capacity then nears the cap and V8 collects the old
 * generation over and over (it must be able to promote the young one). At 16 MB the event
 * loop's old generation still grew to several times what was alive between mark-compacts
 * under many concurrent small requests (their objects promoted); at 8 it does not. It sizes
 * the event loop only: startThreads clears it so the scoring threads keep their own, larger
 * young generation (threads.server.ts).
 *
 * `--no-allocation-site-pretenuring` (ADR 0067): without it the event loop still fell, in
 * some runs, into V8's pretenuring of the in-flight requests' objects (allocated in the old
 * generation directly), with the same growth. Process-wide: it reaches the threads too,
 * which it did not slow.
 */
export const NODE_FLAGS = [
  "--initial-old-space-size=64",
  "--max-semi-space-size=8",
  "--no-allocation-site-pretenuring",
] as const;

/**
 * glibc malloc settings of the deployed process (the image's ENV; the bench starts the app
 * with the same, scripts/bench/processes.ts). glibc reads them when the process starts, so
 * they cannot be set from inside. ADR 0053: the event loop, each scoring thread and V8's and
 * libuv's threads each got a malloc arena of their own, and a large buffer (a 1.5 MB request
 * body, a 5 MB upload, its text) freed into an arena stayed resident there; glibc's mmap
 * threshold also rises to the largest block freed so far, so after the first such free every
 * later one came from an arena too. Two arenas, and every block of 1 MiB or more mapped on
 * its own (returned to the OS when freed). The measurements, and why 1 MiB rather than
 * 128 KiB, are in the ADR.
 */
export const MALLOC_ENV = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: String(1024 * 1024),
} as const;
