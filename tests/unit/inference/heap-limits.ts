// Run by thread-young-generation.test.ts in a process of its own (node flags differ per run):
// starts the scoring pool as the app does and prints the event loop's and a thread's heap
// limits as one JSON line.
import v8 from "node:v8";
import { fileURLToPath } from "node:url";
import { anyThread, startThreads, stopThreads } from "~/inference/threads.server";

startThreads({
  filename: fileURLToPath(new URL("./heap-limit-worker.mjs", import.meta.url)),
  threads: 1,
  minBytes: 1,
  intraOpNumThreads: 1,
});
const thread = (await anyThread()!.run(null)) as number;
process.stdout.write(
  `${JSON.stringify({ main: v8.getHeapStatistics().heap_size_limit, thread })}\n`,
);
await stopThreads();
