// Child processes under test: the bare node:http reference and the built app.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { MALLOC_ENV, NODE_FLAGS } from "../../server/node-flags";

/** The API key the bench's app processes accept. */
export const BENCH_API_KEY = "bench_key_0123456789abcdefghijkl";

/** A prediction request to an app the bench started (autocannon's spec or fetch's init). */
export function predictRequest(url: string, body: string) {
  return {
    url: `${url}/api/v1/predict`,
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": BENCH_API_KEY },
    body,
  };
}

export type Proc = { proc: ChildProcess; url: string; stop(): Promise<void> };
/** The app also serves Prometheus metrics on its private listener. */
export type AppProc = Proc & { metricsUrl: string };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MiB (VmRSS), and its peak (VmHWM). */
export function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function waitFor(url: string, status: number, proc: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited (${proc.exitCode})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === status) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
}

function stopper(proc: ChildProcess) {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      proc.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      proc.kill("SIGTERM");
    });
}

export async function startBare(root: string): Promise<Proc> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(root, "scripts/bench/bare-server.mjs")], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, 200, proc);
  return { proc, url, stop: stopper(proc) };
}

/**
 * The built app as deployed: NODE_ENV/APP_ENV=production (info-level JSON access log on
 * stdout, helmet, rate limiter on), the image's malloc settings, stdout discarded. `nodeArgs` e.g. ["--cpu-prof"].
 */
/**
 * The environment of a process the bench starts, as the image runs it: production, its malloc
 * settings (MALLOC_ENV holds for every process in the container, a batch job's CLI too; ADR
 * 0053), the model folder; then `vars`. An empty value leaves a variable out (an A/B without
 * the malloc settings: glibc has no value that means its default).
 */
export function childEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = Object.entries({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    MODEL_URI: process.env.MODEL_URI ?? "models",
    ...MALLOC_ENV,
    ...vars,
  }).filter(([, value]) => value !== "");
  return Object.fromEntries(env) as NodeJS.ProcessEnv;
}

export async function startApp(
  root: string,
  opts: { apiKey: string; nodeArgs?: string[]; env?: Record<string, string> },
): Promise<AppProc> {
  const port = await freePort();
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const env = childEnv({
    APP_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    API_KEYS: opts.apiKey,
    MODEL_URI: process.env.MODEL_URI ?? "models",
    // Far above the load so the limiter's cost is measured but it never answers 429.
    RATE_LIMIT_PER_MINUTE: "10000000",
    MAX_BODY_BYTES: String(64 * 1024 * 1024),
    ...opts.env,
  });
  const proc = spawn(
    process.execPath,
    [...NODE_FLAGS, ...(opts.nodeArgs ?? []), path.join(root, "server-build/index.js")],
    {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/readyz`, 200, proc);
  return { proc, url, metricsUrl: `http://127.0.0.1:${metricsPort}`, stop: stopper(proc) };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. CPU per
 * request stays meaningful on a busy shared machine, where req/s mostly measures the
 * neighbours.
 */
export function cpuSeconds(pid: number): number {
  const { user, system } = statCpu(`/proc/${pid}/stat`);
  return user + system;
}

/** User + system CPU seconds of this process's waited-for children so far. */
export function childrenCpuSeconds(): number {
  const fields = statFields("/proc/self/stat");
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_S; // cutime, cstime
}

const CLOCK_TICKS_PER_S = 100;

/** The fields of a /proc stat file after the parenthesised command name (field 3 onwards). */
function statFields(file: string): string[] {
  const stat = readFileSync(file, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function statCpu(file: string): { user: number; system: number } {
  const fields = statFields(file);
  // utime and stime are fields 14 and 15.
  return {
    user: Number(fields[11]) / CLOCK_TICKS_PER_S,
    system: Number(fields[12]) / CLOCK_TICKS_PER_S,
  };
}

/** User and system CPU seconds of every thread of a process, by thread id. */
export function threadCpuSeconds(pid: number): Map<number, { user: number; system: number }> {
  const threads = new Map<number, { user: number; system: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(Number(tid), statCpu(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}
