// onnxruntime-node session + batch run: shared by training's evaluation and serving.
import * as ort from "onnxruntime-node";

export type InferenceSession = ort.InferenceSession;

export async function createOrtSession(
  model: Uint8Array | string,
  opts: { intraOpNumThreads?: number } = {},
): Promise<InferenceSession> {
  // One intra-op thread: deterministic sums and no contention with the event loop's neighbours.
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    // No CPU memory arena: with it each session (the event loop's and every scoring
    // thread's) keeps the memory of its largest run for good; without it the app's peak
    // RSS was a little lower at the same CPU per request (ADR 0060).
    enableCpuMemArena: false,
  };
  return typeof model === "string"
    ? ort.InferenceSession.create(model, options)
    : ort.InferenceSession.create(model, options);
}

/** Log-space predictions for a row-major float32 matrix (input "X" [N,F] → output "Y" [N,1]). */
export async function runOrt(
  session: InferenceSession,
  matrix: Float32Array,
  nRows: number,
  nFeatures: number,
): Promise<Float32Array> {
  if (matrix.length !== nRows * nFeatures) {
    throw new Error(`matrix has ${matrix.length} values, expected ${nRows}×${nFeatures}`);
  }
  if (nRows === 0) return new Float32Array(0);
  const input = new ort.Tensor("float32", matrix, [nRows, nFeatures]);
  const out = await session.run({ X: input });
  const y = out.Y;
  if (!y || y.type !== "float32") throw new Error("ONNX model has no float32 output Y");
  const data = y.data as Float32Array;
  input.dispose?.();
  return data.length === nRows ? data : data.slice(0, nRows);
}
