/**
 * Runs the BUILT production server (`node server-build/index.js`, exactly what `npm start`
 * runs) as a child process, for HTTP tests over real sockets.
 *
 * Requires a prior `npm run build` (`make test` builds first).
 *
 *   import { startServer, TEST_API_KEY } from "../helpers/server";
 *   const server = await startServer({ MAX_BODY_BYTES: "2048" });        // waits for /healthz
 *   const res = await fetch(`${server.url}/api/v1/predict`, {
 *     method: "POST", headers: { "X-API-Key": TEST_API_KEY, "Content-Type": "application/json" },
 *     body: JSON.stringify({ records: [...] }),
 *   });
 *   await server.stop(); // SIGTERM, waits for exit (SIGKILL as a last resort)
 *
 * - The server gets a clean environment: APP_ENV=test, NODE_ENV=production, HOST=127.0.0.1,
 *   free PORT and METRICS_PORT, API_KEYS=TEST_API_KEY. `env` overrides any of these; an
 *   `undefined` value removes a variable.
 * - `options.waitPath` chooses the readiness target ("/readyz" once a model is configured);
 *   `null` skips waiting (e.g. for start-up failures: `await spawnServer(env).exited`).
 * - Every process started here is killed when the test process exits, even if a test forgot
 *   to call stop(); call stop() in afterAll/afterEach anyway so ports are freed early.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../../server/node-flags";

/** A valid key for the server started here (≥ 24 characters, so it also passes production). */
export const TEST_API_KEY = "test_key_0123456789abcdefghij";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const SERVER_ENTRY = path.join(REPO_ROOT, "server-build/index.js");

export type ServerEnv = Record<string, string | undefined>;

export type StartOptions = {
  /** Path polled until it answers `waitStatus`; null = do not wait. Default "/healthz". */
  waitPath?: string | null;
  /** Status the wait target must answer. Default 200. */
  waitStatus?: number;
  /** How long to wait for start-up. Default 60 s (a loaded 2-core CI box is slow). */
  timeoutMs?: number;
  /**
   * Send the process's stdout to this file instead of a pipe: a write(2) to a file neither
   * blocks nor splits, however slowly this test process reads (for counting the server's
   * writes). `logs()` then reads the file.
   */
  stdoutFile?: string;
};

export type ExitResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from stop()'s signal to the exit (or from spawn, if it exited by itself). */
  ms: number;
};

export type TestServer = {
  /** Base URL of the public listener, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Base URL of the metrics listener (scrape `${metricsUrl}/metrics`); "" when disabled. */
  metricsUrl: string;
  port: number;
  metricsPort: number;
  proc: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** What the process wrote to stderr alone (the logger writes to stdout). */
  stderr(): string;
  /** Resolves with the first log line (stdout/stderr) matching, or rejects after timeoutMs. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process exits, however it exits. */
  exited: Promise<ExitResult>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after killAfterMs. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<ExitResult>;
};

// Servers still running when the test process exits are killed. One set and one handler per
// process: vitest evaluates this module again for each test file in a worker, and a handler
// per file made node warn of an EventEmitter leak after ten files.
const RUNNING = Symbol.for("housing-tests.running-servers");
const running = ((globalThis as { [RUNNING]?: Set<ChildProcess> })[RUNNING] ??= (() => {
  const servers = new Set<ChildProcess>();
  process.once("exit", () => {
    for (const proc of servers) proc.kill("SIGKILL");
  });
  return servers;
})());

/** A TCP port that is free right now (the config does not accept PORT=0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function assertBuilt() {
  if (!fs.existsSync(SERVER_ENTRY)) {
    throw new Error(
      `${path.relative(REPO_ROOT, SERVER_ENTRY)} is missing: run \`npm run build\` before the ` +
        "HTTP tests (`make test` does it).",
    );
  }
}

function baseEnv(port: number, metricsPort: number): ServerEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    LANG: process.env.LANG,
    NODE_ENV: "production",
    APP_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    API_KEYS: TEST_API_KEY,
  };
}

/** Starts the process without waiting for it to answer. Most tests want startServer(). */
export async function spawnServer(
  env: ServerEnv = {},
  { stdoutFile }: Pick<StartOptions, "stdoutFile"> = {},
): Promise<TestServer> {
  assertBuilt();
  const port = await freePort();
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const merged = { ...baseEnv(port, metricsPort), ...env };
  const childEnv = Object.fromEntries(
    Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined),
  );

  const startedAt = Date.now();
  const stdoutFd = stdoutFile === undefined ? undefined : fs.openSync(stdoutFile, "w");
  const proc = spawn(process.execPath, [...NODE_FLAGS, SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["ignore", stdoutFd ?? "pipe", "pipe"],
  });
  if (stdoutFd !== undefined) fs.closeSync(stdoutFd); // the child has its own copy
  running.add(proc);

  let output = "";
  let errOutput = "";
  const waiters = new Set<() => void>();
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const check of waiters) check();
  };
  proc.stdout?.on("data", onOutput);
  proc.stderr!.on("data", onOutput);
  proc.stderr!.on("data", (chunk: Buffer) => (errOutput += chunk.toString("utf8")));
  const logs = () =>
    stdoutFile === undefined ? output : fs.readFileSync(stdoutFile, "utf8") + output;

  let signalledAt: number | undefined;
  const exited = new Promise<ExitResult>((resolve) => {
    proc.once("exit", (code, signal) => {
      running.delete(proc);
      resolve({ code, signal, ms: Date.now() - (signalledAt ?? startedAt) });
    });
  });

  const actualPort = Number(childEnv.PORT);
  const actualMetricsPort = Number(childEnv.METRICS_PORT ?? 0);
  return {
    url: `http://127.0.0.1:${actualPort}`,
    metricsUrl: actualMetricsPort > 0 ? `http://127.0.0.1:${actualMetricsPort}` : "",
    port: actualPort,
    metricsPort: actualMetricsPort,
    proc,
    logs,
    stderr: () => errOutput,
    exited,
    waitForLog(pattern, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = logs()
            .split("\n")
            .find((l) => pattern.test(l));
          if (line === undefined) return;
          cleanup();
          resolve(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no log line matched ${pattern} within ${timeoutMs} ms:\n${logs()}`));
        }, timeoutMs);
        // A file gives no "data" events: look at it now and then.
        const poll = stdoutFile === undefined ? undefined : setInterval(check, 50);
        const cleanup = () => {
          clearTimeout(timer);
          clearInterval(poll);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM", killAfterMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      signalledAt = Date.now();
      proc.kill(signal);
      const killer = setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
      const result = await exited;
      clearTimeout(killer);
      return result;
    },
  };
}

async function waitUntilAnswering(server: TestServer, options: StartOptions) {
  const { waitPath = "/healthz", waitStatus = 200, timeoutMs = 60_000 } = options;
  if (waitPath === null) return;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`server exited during start-up (${last}). Output:\n${server.logs()}`);
    }
    try {
      const res = await fetch(`${server.url}${waitPath}`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === waitStatus) return;
      last = `${waitPath} answered ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop("SIGKILL");
  throw new Error(
    `server did not answer ${waitStatus} on ${waitPath} within ${timeoutMs} ms (${last}). ` +
      `Output:\n${server.logs()}`,
  );
}

/** Starts the built server on free ports and resolves once `waitPath` answers. */
export async function startServer(
  env: ServerEnv = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const server = await spawnServer(env, options);
  await waitUntilAnswering(server, options);
  return server;
}
