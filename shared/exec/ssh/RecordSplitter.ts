/**
 * Takes the first in-band record `<open>VALUE<close>` out of a byte stream: every other byte is
 * passed on as it comes (holding back only what could be the start of the record), and VALUE goes
 * to `onRecord`. Text that opens like a record but runs past `maxValueBytes` without closing is
 * not one, and is passed on. The SSH executor reads the remote process group id this way.
 */
export class RecordSplitter {
  readonly #open: Buffer;
  readonly #close: Buffer;
  readonly #onRecord: (value: string) => void;
  readonly #forward: (chunk: Buffer) => void;
  readonly #maxValueBytes: number;
  #held = Buffer.alloc(0);
  #done = false;

  constructor(options: {
    open: string;
    close: string;
    onRecord: (value: string) => void;
    forward: (chunk: Buffer) => void;
    maxValueBytes?: number;
  }) {
    this.#open = Buffer.from(options.open);
    this.#close = Buffer.from(options.close);
    this.#onRecord = options.onRecord;
    this.#forward = options.forward;
    this.#maxValueBytes = options.maxValueBytes ?? 32;
  }

  push(chunk: Buffer): void {
    if (this.#done) {
      this.#pass(chunk);
      return;
    }
    const data = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = Buffer.alloc(0);
    const at = data.indexOf(this.#open);
    if (at < 0) {
      const safe = Math.max(0, data.length - (this.#open.length - 1));
      this.#pass(data.subarray(0, safe));
      this.#held = Buffer.from(data.subarray(safe));
      return;
    }
    this.#pass(data.subarray(0, at));
    const valueStart = at + this.#open.length;
    const end = data.indexOf(this.#close, valueStart);
    if (end >= 0 && end - valueStart <= this.#maxValueBytes) {
      this.#done = true;
      this.#onRecord(data.subarray(valueStart, end).toString());
      this.#pass(data.subarray(end + this.#close.length));
    } else if (end >= 0 || data.length - valueStart > this.#maxValueBytes) {
      this.#done = true;
      this.#pass(data.subarray(at));
    } else {
      this.#held = Buffer.from(data.subarray(at));
    }
  }

  /** Passes on whatever was held back. */
  end(): void {
    if (this.#held.length > 0) this.#pass(this.#held);
    this.#held = Buffer.alloc(0);
    this.#done = true;
  }

  #pass(chunk: Buffer): void {
    if (chunk.length > 0) this.#forward(chunk);
  }
}
