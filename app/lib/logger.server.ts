import winston from "winston";
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
    transports: [new winston.transports.Console()],
  });
}

export function getLogger(): winston.Logger {
  return singleton("logger", createLogger);
}

/** A child logger that stamps every line with the request id. */
export function requestLogger(requestId: string): winston.Logger {
  return getLogger().child({ request_id: requestId });
}
