// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where self time goes, counting only
// samples after `skipMs` from the profile's start (to leave out start-up and module loading).
import { readFileSync } from "node:fs";

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
};
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type HotFunction = { name: string; where: string; self_pct: number };

/** Sample counts per node id for samples taken after skipMs. */
function hits(profile: CpuProfile, skipMs: number): Map<number, number> {
  const counts = new Map<number, number>();
  let t = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t / 1000 < skipMs) return;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  return counts;
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\/.*\/node_modules\//, "")
    .replace(/^file:\/\/.*?\/(server-build|build)\//, "$1/");
}

export function topSelfTime(file: string, skipMs = 0, limit = 25): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const counts = hits(profile, skipMs);
  const total = [...counts.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, HotFunction>();
  for (const node of profile.nodes) {
    const n = counts.get(node.id) ?? 0;
    if (n === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? {
      name: functionName || "(anonymous)",
      where,
      self_pct: 0,
    };
    entry.self_pct += (100 * n) / total;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()].sort((a, b) => b.self_pct - a.self_pct).slice(0, limit);
}

/** Self time grouped by package (node_modules/<pkg>), app bundles, node internals, natives. */
export function selfTimeByPackage(file: string, skipMs = 0): { where: string; self_pct: number }[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const counts = hits(profile, skipMs);
  const total = [...counts.values()].reduce((a, b) => a + b, 0) || 1;
  const groups = new Map<string, number>();
  for (const node of profile.nodes) {
    const n = counts.get(node.id) ?? 0;
    if (n === 0) continue;
    const { url, functionName } = node.callFrame;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const group = pkg
      ? pkg
      : url.includes("/server-build/")
        ? "server-build (custom server)"
        : url.includes("/build/")
          ? "build (Remix app)"
          : url.startsWith("node:")
            ? "node internals"
            : functionName.startsWith("(")
              ? functionName
              : `native: ${functionName}`;
    groups.set(group, (groups.get(group) ?? 0) + (100 * n) / total);
  }
  return [...groups.entries()]
    .map(([where, self_pct]) => ({ where, self_pct }))
    .sort((a, b) => b.self_pct - a.self_pct);
}
