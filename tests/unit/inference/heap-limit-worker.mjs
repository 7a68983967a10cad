// A piscina task for thread-young-generation.test.ts: the thread's heap limit (its old
// generation's limit plus three semi-spaces), in bytes.
import v8 from "node:v8";

export default () => v8.getHeapStatistics().heap_size_limit;
