// Lighthouse against the BUILT app (`npm run build` first): starts the production server and
// Debian's Chromium (the flags of playwright.config.ts, one source), audits every page on a
// simulated phone (Lighthouse's default: Moto G power, slow 4G, 4× CPU slowdown) and the
// estimate pages on a desktop too, checks the targets of issue 18 and writes the summary to
// docs/lighthouse.md.
//
//   npm run build && npm run lighthouse            # LIGHTHOUSE_PORT / CHROME_DEBUG_PORT to move
//
// Not part of `npm test`/`make test`: performance scores depend on the load of the machine
// (2 shared cores here), so a run is a measurement, not a pass/fail test of the code.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import lighthouse, { desktopConfig } from "lighthouse";
import config from "../playwright.config";
import { NODE_FLAGS } from "../server/node-flags";
import { RESULT_URL } from "../tests/e2e/helpers/pages";
import { writeFormatted } from "./write-formatted";

const APP_PORT = Number(process.env.LIGHTHOUSE_PORT ?? 4132);
const DEBUG_PORT = Number(process.env.CHROME_DEBUG_PORT ?? 4133);
const BASE = `http://127.0.0.1:${APP_PORT}`;
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;
type Category = (typeof CATEGORIES)[number];

const PAGES: { name: string; path: string; desktop: boolean; perfTarget?: number }[] = [
  { name: "Estimate form", path: "/", desktop: true, perfTarget: 95 },
  { name: "Estimate result", path: RESULT_URL, desktop: true, perfTarget: 95 },
  { name: "Batch", path: "/batch", desktop: false },
  { name: "Model card", path: "/model", desktop: false },
  { name: "API docs", path: "/docs", desktop: false },
];
// The 404 page is not here: Lighthouse refuses to audit a page answered with status 404
// (runtime error ERRORED_DOCUMENT_REQUEST). axe checks it in the e2e run (tests/e2e/a11y.spec.ts).

async function waitFor(url: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function start(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  quiet = false,
): ChildProcess {
  // Chromium's stderr is D-Bus noise in a container; the server logs at warn to stderr.
  const child = spawn(command, args, {
    env,
    stdio: ["ignore", "ignore", quiet ? "ignore" : "inherit"],
  });
  child.once("error", (error) => {
    console.error(`${command}: ${error.message}`);
    process.exit(1);
  });
  return child;
}

async function main() {
  const server = start(process.execPath, [...NODE_FLAGS, "server-build/index.js"], {
    ...process.env,
    NODE_ENV: "production",
    APP_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(APP_PORT),
    METRICS_PORT: "0",
    API_KEYS: "lighthouse_key_0123456789abcdef",
    LOG_LEVEL: "warn",
  });
  const profile = mkdtempSync(path.join(tmpdir(), "lighthouse-chromium-"));
  const launch = config.use?.launchOptions;
  const chromium = start(
    launch?.executablePath ?? "/usr/bin/chromium",
    [
      ...(launch?.args ?? []),
      `--remote-debugging-port=${DEBUG_PORT}`,
      `--user-data-dir=${profile}`,
    ],
    process.env,
    true,
  );
  try {
    await waitFor(`${BASE}/readyz`);
    await waitFor(`http://127.0.0.1:${DEBUG_PORT}/json/version`);
    const rows: Row[] = [];
    for (const page of PAGES) {
      for (const device of page.desktop ? ["mobile", "desktop"] : ["mobile"]) {
        // Lighthouse's advice for noisy machines: several runs, the median by performance.
        const runs = [];
        for (let i = 0; i < RUNS; i++) {
          const run = await lighthouse(
            `${BASE}${page.path}`,
            {
              port: DEBUG_PORT,
              onlyCategories: [...CATEGORIES],
              output: "json",
              logLevel: "error",
            },
            device === "desktop" ? desktopConfig : undefined,
          );
          if (!run) throw new Error(`no Lighthouse result for ${page.path}`);
          runs.push(run);
        }
        runs.sort(
          (a, b) =>
            (a.lhr.categories.performance?.score ?? 0) - (b.lhr.categories.performance?.score ?? 0),
        );
        const result = runs[Math.floor(runs.length / 2)];
        const scores = Object.fromEntries(
          CATEGORIES.map((c) => [c, Math.round((result.lhr.categories[c]?.score ?? 0) * 100)]),
        ) as Record<Category, number>;
        const failing = Object.values(result.lhr.audits)
          .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
          .map((a) => a.id);
        const shown = (id: string) => result.lhr.audits[id]?.displayValue ?? "?";
        const metrics = {
          lcp: shown("largest-contentful-paint"),
          tbt: shown("total-blocking-time"),
        };
        const opportunities = Object.values(result.lhr.audits)
          .filter((a) => a.details?.type === "opportunity" && (a.score ?? 1) < 0.9)
          .map((a) => `${a.id} ${a.displayValue ?? ""}`.trim());
        console.log(
          `${page.name} (${device}): ${JSON.stringify(scores)} LCP ${metrics.lcp}, TBT ${metrics.tbt}` +
            (failing.length ? `\n  failing: ${failing.join(", ")}` : "") +
            (opportunities.length ? `\n  opportunities: ${opportunities.join("; ")}` : ""),
        );
        rows.push({ page: page.name, device, scores, ...metrics });
      }
    }
    const misses = rows.flatMap((r) => {
      const page = PAGES.find((p) => p.name === r.page)!;
      const out: string[] = [];
      for (const c of ["accessibility", "best-practices", "seo"] as const)
        if (r.scores[c] < 100) out.push(`${r.page} (${r.device}) ${c} ${r.scores[c]} < 100`);
      if (r.device === "mobile" && page.perfTarget && r.scores.performance < page.perfTarget)
        out.push(`${r.page} (mobile) performance ${r.scores.performance} < ${page.perfTarget}`);
      return out;
    });
    await writeReport(rows, misses);
    console.log(misses.length ? `Targets missed:\n  ${misses.join("\n  ")}` : "All targets met.");
    process.exitCode = misses.length ? 1 : 0;
  } finally {
    chromium.kill("SIGTERM");
    server.kill("SIGTERM");
    rmSync(profile, { recursive: true, force: true });
  }
}

type Row = {
  page: string;
  device: string;
  scores: Record<Category, number>;
  lcp: string;
  tbt: string;
};

async function writeReport(rows: Row[], misses: string[]) {
  const table = rows
    .map(
      (r) =>
        `| ${r.page} | ${r.device} | ${r.scores.performance} | ${r.scores.accessibility} | ${r.scores["best-practices"]} | ${r.scores.seo} | ${r.lcp} | ${r.tbt} |`,
    )
    .join("\n");
  await writeFormatted(
    "docs/lighthouse.md",
    `# Lighthouse

Measured by \`npm run lighthouse\` (scripts/lighthouse.ts) against the built app on
${new Date().toISOString().slice(0, 10)}: Lighthouse ${lighthouseVersion()} driving Debian's
Chromium with the flags of playwright.config.ts. Mobile = Lighthouse's default phone
(simulated slow 4G, 4× CPU slowdown); desktop = its desktop preset. Each score is the median
run by performance of ${RUNS} runs. The result page is an
ordinary home (\`tests/e2e/helpers/pages.ts\` RESULT_URL).

Targets (issue 18): accessibility, best practices and SEO 100 on every page; mobile
performance ≥ 95 on the estimate form and a result.

| Page | Device | Performance | Accessibility | Best practices | SEO | LCP | TBT |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

${misses.length ? `Missed:\n\n${misses.map((m) => `- ${m}`).join("\n")}` : "Every target met."}

Performance depends on the machine's load (2 shared cores when measured, load average
${loadAverage()}), so the script is a measurement, not part of \`npm test\`. The 404 page is
not audited: Lighthouse refuses a page answered with status 404; axe checks it, and every page
above, at 375 and 1280 px in the e2e run (tests/e2e/a11y.spec.ts).
`,
    "markdown",
  );
}

function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(1))
    .join(" / ");
}

function lighthouseVersion(): string {
  return (process.env.npm_package_devDependencies_lighthouse ?? "13").replace(/^\D*/, "");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
