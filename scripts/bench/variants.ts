// The builds a same-run A/B compares (memory.ts, tail.ts): each a root folder holding build/,
// server-build/ and public/, with its own extra node flags and environment (the same root can
// be both A and B), measured in alternating order so a neighbour's burst lands on both.
import path from "node:path";

/** parseArgs options shared by the A/B scripts. */
export const VARIANT_OPTIONS = {
  roots: { type: "string", default: ".cache/base,." },
  /** Extra node flags per root, `|`-separated in the order of --roots (e.g. "|--foo"). */
  "node-args": { type: "string", default: "" },
  /** Extra environment per root, `|`-separated like --node-args, each `K=V,K=V`. */
  env: { type: "string", default: "" },
} as const;

export type Variant = {
  root: string;
  nodeArgs: string[];
  env: Record<string, string>;
  /** Its name in the output: the root, its flags and environment. */
  label: string;
};

export function variants(values: { roots: string; "node-args": string; env: string }): Variant[] {
  const args = values["node-args"].split("|");
  const envs = values.env.split("|");
  return values.roots.split(",").map((root, i) => ({
    root: path.resolve(root),
    nodeArgs: args[i] ? args[i].split(" ") : [],
    // Split at the first "=" only: a value may hold one (NODE_OPTIONS=--x=1).
    env: Object.fromEntries(
      envs[i]
        ? envs[i]
            .split(",")
            .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])
        : [],
    ),
    label: [path.relative(".", path.resolve(root)) || ".", args[i], envs[i]]
      .filter(Boolean)
      .join(" "),
  }));
}

/** Round `round`'s order of the variants: A B …, then … B A. */
export const roundOrder = (count: number, round: number): number[] => {
  const order = [...Array(count).keys()];
  return round % 2 ? order.reverse() : order;
};
