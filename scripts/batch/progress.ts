import type { Progress } from "./predict-csv";

/**
 * Progress on stderr. On a terminal: one self-overwriting line (at most 5 updates/s) with
 * rows/s and, when the input size is known, a bar and ETA. Not a terminal (CloudWatch, CI):
 * one plain line every 30 s, so logs stay readable. "never" prints nothing.
 */
export type ProgressMode = "auto" | "always" | "never";

export type ProgressReporter = { update(p: Progress): void; done(): void };

const TTY_INTERVAL_MS = 200;
const LOG_INTERVAL_MS = 30_000;
const BAR_WIDTH = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The progress text (without bar characters when `bar` is false). */
export function progressLine(
  p: Progress,
  totalBytes: number | undefined,
  elapsedS: number,
  bar: boolean,
): string {
  const rate = elapsedS > 0 ? p.rows / elapsedS : 0;
  const parts = [
    `${p.rows.toLocaleString("en-US")} rows`,
    `${Math.round(rate).toLocaleString("en-US")} rows/s`,
  ];
  if (totalBytes && totalBytes > 0) {
    const fraction = Math.min(1, p.bytes / totalBytes);
    const eta = fraction > 0 ? (elapsedS * (1 - fraction)) / fraction : Number.NaN;
    const filled = Math.round(fraction * BAR_WIDTH);
    const pct = `${(fraction * 100).toFixed(1)}%`;
    parts.unshift(bar ? `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${pct}` : pct);
    parts.push(`ETA ${formatDuration(eta)}`);
  }
  parts.push(`elapsed ${formatDuration(elapsedS)}`);
  return parts.join("  ");
}

export function createProgress(
  mode: ProgressMode,
  totalBytes: number | undefined,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  const tty = mode === "always" || (mode === "auto" && stream.isTTY === true);
  if (mode === "never") return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < (tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
      last = now;
      const line = progressLine(p, totalBytes, (now - started) / 1000, tty);
      if (tty) {
        stream.write(`\r${line}\x1b[K`);
        drawn = true;
      } else stream.write(`progress: ${line}\n`);
    },
    done() {
      if (drawn) stream.write("\n");
    },
  };
}
