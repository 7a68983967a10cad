import { Writable } from "node:stream";
import SonicBoom from "sonic-boom";
import winston from "winston";
import { loadLogSettings, type Config } from "./config.server";
import { REDACTED, redact, redactString } from "./redact.server";
import { existingSingleton, singleton } from "./singleton.server";

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

const STDOUT_STREAM = Symbol.for("housing-price-platform.stdout-stream");

/**
 * stdout, written in batches: the access log is a line per request, and one write(2) per
 * line is a syscall and a wake-up of the log driver's reader each time. sonic-boom (pino's
 * destination) gathers lines and writes them once 4 KiB have gathered and at least every
 * 100 ms, synchronously (nothing in flight at exit), flushing what is left when the process
 * exits; only a SIGKILL can lose the last ≤ 100 ms of lines. One per process (stdout is one
 * file descriptor), shared by both bundles and kept when tests build new loggers.
 */
function stdoutStream(): Writable {
  const store = globalThis as { [STDOUT_STREAM]?: Writable };
  if (!store[STDOUT_STREAM]) {
    const destination = new SonicBoom({ fd: 1, sync: true, minLength: 4096, periodicFlush: 100 });
    process.once("exit", () => destination.flushSync());
    // winston's Stream transport takes a node stream; sonic-boom is not one.
    store[STDOUT_STREAM] = new Writable({
      decodeStrings: false,
      write(line: string, _encoding, done) {
        destination.write(line);
        done();
      },
    });
  }
  return store[STDOUT_STREAM];
}
function createLogger(): winston.Logger {
  // The server's configuration when it has one; programs without it (the batch CLI) read
  // just the log settings.
  const config = existingSingleton<Config>("config") ?? loadLogSettings();
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
    transports: [new winston.transports.Stream({ stream: stdoutStream(), eol: "\n" })],
  });
}

export function getLogger(): winston.Logger {
  return singleton("logger", createLogger);
}

/** A child logger that stamps every line with the request id. */
export function requestLogger(requestId: string): winston.Logger {
  return getLogger().child({ request_id: requestId });
}
