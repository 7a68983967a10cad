import SonicBoom from "sonic-boom";
import winston from "winston";
import TransportStream from "winston-transport";
import { getConfig } from "./config.server";
import { REDACTED, redact, redactString } from "./redact.server";
import { singleton } from "./singleton.server";

// winston's info object carries its level/message under Symbol keys as well; redaction
// must rewrite the string fields in place and keep those symbols intact.
const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (key === "level") continue;
    info[key] = /^(authorization|cookie|x-api-key|api_?key)$/i.test(key)
      ? REDACTED
      : typeof value === "string"
        ? redactString(value)
        : redact(value);
  }
  return info;
});

// One buffer per process (stdout is one file descriptor), shared by both bundles and kept when
// tests reset the singletons to build new loggers.
const STDOUT_BUFFER = Symbol.for("housing-price-platform.stdout-buffer");

function stdoutBuffer(): SonicBoom {
  const store = globalThis as { [STDOUT_BUFFER]?: SonicBoom };
  if (!store[STDOUT_BUFFER]) {
    const destination = new SonicBoom({ fd: 1, sync: true, minLength: 4096, periodicFlush: 100 });
    process.once("exit", () => destination.flushSync());
    store[STDOUT_BUFFER] = destination;
  }
  return store[STDOUT_BUFFER];
}

// The finished line winston's formats leave on each entry (triple-beam's MESSAGE symbol).
const FORMATTED = Symbol.for("message");

/**
 * stdout, written in batches. winston's Console transport makes one write(2) per line, and the
 * access log is a line per request: on the pipe to a log driver that is a syscall and a
 * wake-up of the reader for each request ("sync logging adds up", issue 4). sonic-boom, pino's
 * destination, gathers lines and writes them together once 4 KiB have gathered and at least
 * every 100 ms. The writes stay synchronous (no thread pool, nothing in flight at exit) and
 * whatever is left is flushed when the process exits; only a SIGKILL can lose the last
 * ≤ 100 ms of lines.
 */
class BatchedStdout extends TransportStream {
  private readonly destination = stdoutBuffer();

  override log(info: Record<symbol, unknown>, next: () => void) {
    this.destination.write(`${String(info[FORMATTED])}\n`);
    next();
  }
}

function createLogger(): winston.Logger {
  const config = getConfig();
  const structured = config.appEnv === "production" || config.appEnv === "staging";
  const format = structured
    ? winston.format.combine(
        winston.format.errors({ stack: true }),
        redactFormat(),
        winston.format.timestamp(),
        winston.format.json(),
      )
    : winston.format.combine(
        winston.format.errors({ stack: true }),
        redactFormat(),
        winston.format.colorize(),
        winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
        winston.format.printf(({ timestamp, level, message, stack, ...meta }) => {
          const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : "";
          return `${timestamp} ${level} ${message}${rest}${stack ? `\n${stack}` : ""}`;
        }),
      );
  return winston.createLogger({
    level: config.logLevel,
    format,
    defaultMeta: { service: "housing-api" },
    transports: [new BatchedStdout()],
  });
}

export function getLogger(): winston.Logger {
  return singleton("logger", createLogger);
}

/** A child logger that stamps every line with the request id. */
export function requestLogger(requestId: string): winston.Logger {
  return getLogger().child({ request_id: requestId });
}
