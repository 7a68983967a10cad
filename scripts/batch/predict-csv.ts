import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import type { CsvChunkInput, CsvChunkOutput, CsvLayout } from "~/inference/csv-chunk.server";
import { csvLine } from "~/inference/csv-write.server";
import { HousingMLError } from "~/lib/errors.server";
import { releaseBytes } from "~/lib/release-bytes.server";
import { ERROR_COLUMNS, planLayout, type Layout } from "./columns";
import { ownsChunk, type PartSpec } from "./part";
import { InputError } from "./source";

/**
 * The streaming core: CSV bytes → chunks of `chunk` whole records → the inference module's
 * chunk handler (on the scoring threads, several chunks at once) → output and error lines,
 * written in input order. This thread only finds where records end; parsing, predicting and
 * formatting happen on the threads. Memory is bounded by the chunks in flight, whatever the
 * input size. Rows are numbered from 1 (data rows, header excluded).
 */

export type ChunkPredictor = (input: CsvChunkInput) => Promise<CsvChunkOutput>;

export type PredictOptions = {
  chunk: number;
  part: PartSpec;
  keep: readonly string[];
  onlyPredictions: boolean;
  predictChunk: ChunkPredictor;
  /**
   * The input's buffers are this run's alone, and a write is done with its bytes when its
   * callback runs (run.ts: read streams, file sinks): free both once used (ADR 0060). Not
   * for a Writable that keeps what it is given (a test's collector).
   */
  release?: boolean;
  /** Chunks scored at once (default 2: one waits while one runs). */
  inFlight?: number;
  onProgress?: (p: Progress) => void;
};

export type Progress = { bytes: number; rows: number; scoredRows: number; chunks: number };

export type PredictSummary = {
  rows: number;
  chunks: number;
  /** Rows in the chunks this part owns. */
  scoredRows: number;
  predicted: number;
  failedRows: number;
  errorLines: number;
  /** Input columns the model does not use (copied to the output as they are). */
  ignored_columns: string[];
};

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function write(
  stream: Writable,
  text: string | Uint8Array,
  written?: () => void,
): Promise<void> {
  if (!stream.write(text, written)) await once(stream, "drain");
}

/**
 * A chunk's answer to its two files, its buffer freed once both have taken their part (the
 * write callback: the file stream is done with the bytes). Left to the collector, this
 * thread's dead answers and read buffers reached 20–48 MiB at the run's peak (ADR 0060).
 */
async function writeAnswer(
  output: Writable,
  errors: Writable,
  answer: CsvChunkOutput,
  release: boolean,
) {
  const { lines, outputBytes } = answer;
  const parts: [Writable, Uint8Array][] = [];
  if (outputBytes > 0) parts.push([output, lines.subarray(0, outputBytes)]);
  if (lines.length > outputBytes) parts.push([errors, lines.subarray(outputBytes)]);
  let left = parts.length;
  const written = release ? () => --left === 0 && releaseBytes(lines) : undefined;
  for (const [stream, bytes] of parts) await write(stream, bytes, written);
}

/**
 * Cuts a byte stream into runs of whole CSV records. A line break ends a record when an even
 * number of quotes came before it (RFC 4180: quotes inside a field are doubled); an empty
 * line is no record (csv-parse's skip_empty_lines); with CRLF files only CRLF ends one.
 */
class RecordCutter {
  private buf: Buffer = Buffer.alloc(0);
  /** The whole buffer `buf` views: freed once every chunk cut from it was copied on. */
  private backing: Buffer | undefined;
  private scanned = 0;
  private lineStart = 0;
  private quoted = false;
  private records = 0;
  /**
   * The first quote at or after `scanned` in `buf`, -1 for none up to its end, or -2 when not
   * searched yet: one search per quote, not one per line (indexOf for a quote in a file with
   * none ran to the end of the read buffer for every line: up to 256 KiB scanned per record).
   */
  private nextQuote = -2;
  /** Lines read so far, and the line the bytes not yet cut start on. */
  private line = 1;
  private chunkLine = 2;

  constructor(
    private readonly newline: CsvLayout["newline"],
    private readonly perChunk: number,
    private readonly release: boolean,
  ) {}

  /** Whole chunks of `perChunk` records found after adding `data`. */
  push(data: Buffer): { bytes: Buffer; records: number; line: number }[] {
    // The chunks the last push returned were copied before this one (send()): what is
    // left of the old buffer is in `buf` or joined to `data` here, so the old one is dead.
    const old = this.backing;
    this.buf = this.backing = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    if (this.release && old) releaseBytes(old);
    if (this.release && this.buf !== data) releaseBytes(data);
    if (this.nextQuote === -1) this.nextQuote = -2; // the new bytes may hold one
    const out: { bytes: Buffer; records: number; line: number }[] = [];
    for (;;) {
      const nl = this.buf.indexOf(NL, this.scanned);
      if (nl < 0) break;
      this.countQuotes(this.scanned, nl);
      this.scanned = nl + 1;
      this.line++;
      if (this.quoted || (this.newline === "\r\n" && this.buf[nl - 1] !== CR)) continue;
      const end = this.newline === "\r\n" ? nl - 1 : nl;
      if (end > this.lineStart) this.records++;
      this.lineStart = nl + 1;
      if (this.records === this.perChunk) {
        const line = this.chunkLine;
        out.push({ bytes: this.buf.subarray(0, nl + 1), records: this.records, line });
        this.buf = this.buf.subarray(nl + 1);
        if (this.nextQuote >= 0) this.nextQuote -= nl + 1;
        this.scanned = this.lineStart = 0;
        this.records = 0;
        this.chunkLine = this.line + 1;
      }
    }
    return out;
  }

  /** What is left at the end of the input (a last record may lack its line break). */
  end(): { bytes: Buffer; records: number; line: number } | undefined {
    this.countQuotes(this.scanned, this.buf.length);
    if (this.quoted) {
      throw new InputError(`the input is not valid CSV: a quoted field is never closed`);
    }
    const lastLine = this.buf.subarray(this.lineStart);
    const records = this.records + (lastLine.length > 0 && !isOnly(lastLine, CR) ? 1 : 0);
    if (records === 0) return undefined;
    return { bytes: this.buf, records, line: this.chunkLine };
  }

  /** Flips `quoted` for each quote in [from, to); `from` is `scanned`, from where nextQuote is. */
  private countQuotes(from: number, to: number) {
    let q = this.nextQuote === -2 ? this.buf.indexOf(QUOTE, from) : this.nextQuote;
    while (q >= 0 && q < to) {
      this.quoted = !this.quoted;
      q = this.buf.indexOf(QUOTE, q + 1);
    }
    this.nextQuote = q;
  }
}

const isOnly = (bytes: Buffer, byte: number) => bytes.length === 1 && bytes[0] === byte;

/** The header record, its byte length and the file's record delimiter. */
function readHeader(buf: Buffer): { header: string[]; length: number; newline: "\n" | "\r\n" } {
  const nl = buf.indexOf(NL);
  const cr = buf.indexOf(CR);
  if (cr >= 0 && (nl < 0 || cr < nl - 1)) {
    throw new InputError("the input uses CR-only line breaks: save it with LF or CRLF ones");
  }
  const length = nl < 0 ? buf.length : nl + 1;
  let rows: string[][];
  try {
    rows = parse(buf.subarray(0, length), { relax_column_count: true }) as string[][];
  } catch (error) {
    throw new InputError(`the input is not valid CSV (line 1): ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new InputError("the input is empty (no header row)");
  return { header: rows[0], length, newline: nl > 0 && buf[nl - 1] === CR ? "\r\n" : "\n" };
}

export async function predictCsv(
  input: Readable,
  output: Writable,
  errors: Writable,
  opts: PredictOptions,
): Promise<PredictSummary> {
  const summary: PredictSummary = {
    rows: 0,
    chunks: 0,
    scoredRows: 0,
    predicted: 0,
    failedRows: 0,
    errorLines: 0,
    ignored_columns: [],
  };
  let bytes = 0;
  let head = Buffer.alloc(0);
  let layout: Layout | undefined;
  let cutter: RecordCutter | undefined;
  let csvLayout: CsvLayout | undefined;
  // Settled results only: a chunk that fails while others are written must not go unhandled.
  type Done = { output?: CsvChunkOutput; error?: unknown };
  const pending: Promise<Done>[] = [];
  const limit = Math.max(1, opts.inFlight ?? 2);

  const drainOne = async () => {
    const { output: done, error } = await pending.shift()!;
    if (error) throw error;
    if (done) {
      summary.predicted += done.predicted;
      summary.failedRows += done.failedRows;
      summary.errorLines += done.errorLines;
      await writeAnswer(output, errors, done, opts.release === true);
    }
    opts.onProgress?.({
      bytes,
      rows: summary.rows,
      scoredRows: summary.scoredRows,
      chunks: summary.chunks,
    });
  };

  const send = async (chunk: { bytes: Buffer; records: number; line: number }) => {
    const index = summary.chunks++;
    const firstRow = summary.rows + 1;
    summary.rows += chunk.records;
    if (!ownsChunk(opts.part, index)) {
      pending.push(Promise.resolve({}));
    } else {
      summary.scoredRows += chunk.records;
      // A copy: the chunk's bytes move to a thread, and the read buffer is shared.
      const text = new Uint8Array(chunk.bytes);
      const task = opts.predictChunk({
        text,
        records: chunk.records,
        firstRow,
        layout: csvLayout!,
      });
      pending.push(
        task.then(
          (output) => ({ output }),
          (error: unknown) => ({ error: chunkError(error, chunk.line) }),
        ),
      );
    }
    while (pending.length >= limit) await drainOne();
  };

  try {
    for await (const read of input as AsyncIterable<Buffer | string>) {
      const data = typeof read === "string" ? Buffer.from(read) : read;
      bytes += data.length;
      if (!cutter) {
        head = Buffer.concat([head, data]);
        if (head.indexOf(NL) < 0) continue;
        const start = head.subarray(0, 3).equals(BOM) ? 3 : 0;
        const found = readHeader(head.subarray(start));
        layout = planLayout(found.header, opts.keep, opts.onlyPredictions);
        summary.ignored_columns = layout.ignored;
        csvLayout = { ...layout, newline: found.newline };
        await write(output, csvLine(layout.outputHeader));
        await write(errors, csvLine([...ERROR_COLUMNS]));
        cutter = new RecordCutter(found.newline, opts.chunk, opts.release === true);
        for (const c of cutter.push(head.subarray(start + found.length))) await send(c);
        continue;
      }
      for (const c of cutter.push(data)) await send(c);
    }
    if (!cutter && head.length > 0) {
      // A header without a line break and no data.
      const start = head.subarray(0, 3).equals(BOM) ? 3 : 0;
      const found = readHeader(head.subarray(start));
      layout = planLayout(found.header, opts.keep, opts.onlyPredictions);
      summary.ignored_columns = layout.ignored;
      await write(output, csvLine(layout.outputHeader));
      await write(errors, csvLine([...ERROR_COLUMNS]));
    }
    const last = cutter?.end();
    if (last) await send(last);
    while (pending.length > 0) await drainOne();
  } catch (error) {
    // Whatever is still running finishes before the caller discards the outputs.
    await Promise.all(pending);
    if (error instanceof InputError) throw error;
    throw new InputError(`reading the input failed: ${(error as Error).message}`);
  }
  if (!layout) throw new InputError("the input is empty (no header row)");
  return summary;
}

/** A chunk the threads could not read (bad quoting) is the input's fault: exit code 3. */
function chunkError(error: unknown, line: number): unknown {
  if (error instanceof HousingMLError && error.status >= 400 && error.status < 500) {
    return new InputError(`the input is not valid CSV (from line ${line}): ${error.message}`);
  }
  return error;
}
