import { existsSync } from "node:fs";
import type http from "node:http";
import { getConfig, type Config } from "~/lib/config.server";
import { ConfigurationError } from "~/lib/errors.server";
import { getLogger } from "~/lib/logger.server";
import { registerSecrets } from "~/lib/redact.server";
import { reloadModel, startModel, stopModel } from "~/inference/inference.server";
import { servingPoolHost } from "~/inference/pool-host.server";
import { startThreads, stopThreads, WORKER_FILE } from "~/inference/threads.server";
import { stopMonitor } from "~/inference/monitor/monitor.server";
import { startMonitoring } from "~/inference/monitor/start.server";
import { createAppListener } from "./app-listener";
import { BEHIND_ALB_KEEP_ALIVE_MS, createBoundedServer } from "./connections";
import { developmentKey } from "./dev-key";
import { startMetricsServer } from "./metrics-listener";
import { loadRemixBuild } from "./remix-build";
import { closeUnauthenticatedBodies, continueWhenRead } from "./receiving";
import { installShutdown } from "./shutdown";

async function loadDotEnv() {
  // Only development reads a .env file; deployed environments set real variables.
  const env = process.env.APP_ENV ?? process.env.NODE_ENV ?? "development";
  if (env !== "development") return;
  // dotenv is CommonJS: its `default` export is module.exports, natively and when bundled
  // (esbuild gives a dynamically imported CommonJS module no named exports; ADR 0029).
  const { default: dotenv } = await import("dotenv");
  dotenv.config({ quiet: true });
}

function readConfig(): Config {
  try {
    return getConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The scoring threads run the built worker beside this file, or under `npm run dev` the
 * source module itself (tsx's loader reaches worker threads), so a stale build never
 * answers for edited code.
 */
function startScoringWorkers(config: Config, log: ReturnType<typeof getLogger>) {
  const threads = existsSync(WORKER_FILE) ? config.scoringWorkers : 0;
  startThreads({
    filename: WORKER_FILE,
    threads,
    minBytes: config.scoringWorkerMinBytes,
    minRecords: config.scoringWorkerMinRecords,
    intraOpNumThreads: config.ortIntraOpThreads,
    host: servingPoolHost(),
  });
  log.info("scoring workers", {
    threads,
    offload_min_bytes: config.scoringWorkerMinBytes,
    offload_min_records: config.scoringWorkerMinRecords,
    ...(threads === 0 && config.scoringWorkers > 0 ? { reason: `no ${WORKER_FILE}` } : {}),
  });
}

/** The one line a port already taken gets, instead of an EADDRINUSE stack. */
function exitOnListenError(server: http.Server, what: string, host: string, port: number) {
  server.once("error", (error: NodeJS.ErrnoException) => {
    const where = `${host}:${port}`;
    const message =
      error.code === "EADDRINUSE"
        ? `Port ${port} is already in use (${what} on ${where}): stop the other server or start this one with another port, e.g. PORT=${port + 1} make run`
        : error.code === "EACCES"
          ? `Not allowed to listen on ${where} (${what}): use a port above 1024`
          : `Cannot listen on ${where} (${what}): ${error.message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}

async function main() {
  await loadDotEnv();
  const devKey = developmentKey();
  if (devKey) process.env.API_KEYS = devKey.key;
  const config = readConfig();
  registerSecrets([...config.apiKeys, ...config.adminApiKeys]);
  const log = getLogger();
  if (devKey) {
    // Deliberately printed, outside the redacting logger: it is how a developer learns it.
    const how = devKey.created ? "generated a development key, saved in" : "development key from";
    process.stdout.write(`No API_KEYS set: ${how} ${devKey.file}: ${devKey.key}\n`);
  } else if (config.apiKeyGenerated) {
    // Deliberately printed once, outside the redacting logger: it is the only way to learn it.
    process.stdout.write(`No API_KEYS set: generated a development key: ${config.apiKeys[0]}\n`);
  }

  const dev = config.appEnv === "development" && process.env.REMIX_DEV_ORIGIN !== undefined;
  const getBuild = await loadRemixBuild(dev);
  const app = createBoundedServer(createAppListener(config, getBuild, dev), {
    keepAliveTimeout: BEHIND_ALB_KEEP_ALIVE_MS,
  });
  continueWhenRead(app);
  exitOnListenError(app, "the app", config.host, config.port);
  app.listen(config.port, config.host, () => {
    log.info("server listening", {
      url: `http://${config.host}:${config.port}`,
      env: config.appEnv,
    });
  });
  const metrics =
    config.metricsPort > 0 ? startMetricsServer(config.host, config.metricsPort) : undefined;
  if (metrics) {
    exitOnListenError(metrics, "the metrics port", config.host, config.metricsPort);
  }
  startScoringWorkers(config, log);
  await startMonitoring(config);
  installShutdown(
    { app, metrics },
    {
      graceMs: config.shutdownGraceMs,
      drainMs: config.shutdownDrainMs,
      log,
      onClose: async () => {
        await stopModel();
        await stopThreads();
        await stopMonitor(); // after the threads: their last rows reach the prediction log
      },
      closeUnreadBodies: closeUnauthenticatedBodies,
    },
  );

  // The listener is up first (liveness answers); readiness turns 200 once the model is
  // loaded, verified and warmed. SIGHUP reloads the bundle the pointer names (load-then-swap).
  void startModel(config);
  process.on("SIGHUP", () => void reloadModel("sighup"));
}

main().catch((error) => {
  process.stderr.write(
    `Fatal start-up error: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
