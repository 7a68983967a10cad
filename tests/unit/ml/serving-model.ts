// The committed serving bundle, loaded once per test file through the same store and
// loader the server uses, and released after the file's tests.
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { LocalModelStore } from "~/inference/store.server";

export const ROOT = path.resolve(import.meta.dirname, "../../..");

/** Registers the load and the release; the returned function gives the loaded model. */
export function useServingModel(): () => LoadedModel {
  let model: LoadedModel | undefined;
  beforeAll(async () => {
    const { dir } = await new LocalModelStore(path.join(ROOT, "models")).resolveLatest();
    model = await loadModel(dir, { intraOpNumThreads: 1 });
  });
  afterAll(() => model?.session.release());
  return () => {
    if (!model) throw new Error("the serving model is loaded in beforeAll");
    return model;
  };
}
