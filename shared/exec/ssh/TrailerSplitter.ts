/**
 * Splits a byte stream at the first occurrence of a marker: bytes before it are passed on as they
 * come (holding back only what could be the start of the marker), bytes after it are kept, up to
 * a bound, and returned at the end. The SSH executor uses it to take the output file off the end
 * of a command's stderr.
 */
export class TrailerSplitter {
  readonly #marker: Buffer;
  readonly #forward: (chunk: Buffer) => void;
  readonly #keepBytes: number;
  #held = Buffer.alloc(0);
  #trailer: Buffer[] | undefined;
  #trailerBytes = 0;

  constructor(marker: string, forward: (chunk: Buffer) => void, keepBytes: number) {
    this.#marker = Buffer.from(marker);
    this.#forward = forward;
    this.#keepBytes = keepBytes;
  }

  push(chunk: Buffer): void {
    if (this.#trailer) {
      this.#keep(chunk);
      return;
    }
    const data = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    const at = data.indexOf(this.#marker);
    if (at >= 0) {
      if (at > 0) this.#forward(data.subarray(0, at));
      this.#held = Buffer.alloc(0);
      this.#trailer = [];
      this.#keep(data.subarray(at + this.#marker.length));
      return;
    }
    const safe = Math.max(0, data.length - (this.#marker.length - 1));
    if (safe > 0) this.#forward(data.subarray(0, safe));
    this.#held = Buffer.from(data.subarray(safe));
  }

  /** Passes on what was held back; returns the bytes after the marker, or undefined if none came. */
  end(): Buffer | undefined {
    if (!this.#trailer) {
      if (this.#held.length > 0) this.#forward(this.#held);
      this.#held = Buffer.alloc(0);
      return undefined;
    }
    return Buffer.concat(this.#trailer);
  }

  #keep(chunk: Buffer): void {
    const room = this.#keepBytes - this.#trailerBytes;
    if (room <= 0 || !this.#trailer) return;
    const part = chunk.subarray(0, room);
    this.#trailer.push(Buffer.from(part));
    this.#trailerBytes += part.length;
  }
}
