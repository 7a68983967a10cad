// Console UX for the training CLI: stages with timings and an in-place progress bar.
export type Reporter = {
  stage<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
  progress(done: number, total: number, detail: string): void;
  info(line: string): void;
  timings: { stage: string; ms: number }[];
};

export function consoleReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  const timings: { stage: string; ms: number }[] = [];
  const tty = Boolean(stream.isTTY);
  let lastPct = -1;
  return {
    timings,
    async stage(name, fn) {
      stream.write(`▶ ${name}\n`);
      const t0 = performance.now();
      const result = await fn();
      const ms = performance.now() - t0;
      timings.push({ stage: name, ms });
      if (lastPct >= 0 && tty) stream.write("\n");
      lastPct = -1;
      stream.write(`  ✓ ${name} (${(ms / 1000).toFixed(2)} s)\n`);
      return result;
    },
    progress(done, total, detail) {
      const pct = Math.floor((100 * done) / total);
      if (pct === lastPct) return;
      // Redraw in place on a terminal; in logs print every 10% only.
      if (!tty && pct % 10 !== 0 && done !== total) return;
      lastPct = pct;
      const width = 30;
      const fill = Math.round((width * done) / total);
      const bar = `[${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}% ${detail}`;
      stream.write(tty ? `\r  ${bar}` : `  ${bar}\n`);
    },
    info(line) {
      stream.write(`  ${line}\n`);
    },
  };
}

/** A reporter that only records timings (tests). */
export function silentReporter(): Reporter {
  const timings: { stage: string; ms: number }[] = [];
  return {
    timings,
    async stage(name, fn) {
      const t0 = performance.now();
      const r = await fn();
      timings.push({ stage: name, ms: performance.now() - t0 });
      return r;
    },
    progress() {},
    info() {},
  };
}
