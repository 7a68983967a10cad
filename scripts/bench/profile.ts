// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
import { readFileSync } from "node:fs";

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
};
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };

export type HotFunction = { name: string; where: string; self_ms: number; self_pct: number };

export function topSelfTime(file: string, limit = 25): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const totalHits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const msPerHit = (profile.endTime - profile.startTime) / 1000 / totalHits;
  const byFunction = new Map<string, HotFunction>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^file:\/\/.*\/node_modules\//, "").replace(/^file:\/\/.*?\/(server-build|build)\//, "$1/")}:${lineNumber + 1}`
      : "";
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? {
      name: functionName || "(anonymous)",
      where,
      self_ms: 0,
      self_pct: 0,
    };
    entry.self_ms += hits * msPerHit;
    entry.self_pct += (100 * hits) / totalHits;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()].sort((a, b) => b.self_ms - a.self_ms).slice(0, limit);
}

/** Self time grouped by package (node_modules/<pkg>), app code, node internals and natives. */
export function selfTimeByPackage(file: string): { where: string; self_pct: number }[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const totalHits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const groups = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { url, functionName } = node.callFrame;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const group = pkg
      ? pkg
      : url.includes("/server-build/")
        ? "server-build (app server)"
        : url.includes("/build/")
          ? "build (Remix app)"
          : url.startsWith("node:")
            ? "node internals"
            : functionName === "(idle)" ||
                functionName === "(program)" ||
                functionName === "(garbage collector)"
              ? functionName
              : "native/other";
    groups.set(group, (groups.get(group) ?? 0) + (100 * hits) / totalHits);
  }
  return [...groups.entries()]
    .map(([where, self_pct]) => ({ where, self_pct }))
    .sort((a, b) => b.self_pct - a.self_pct);
}
