/** `text` as bytes, cut at the given points (taken modulo its length): how a stream may arrive. */
export function cutBytes(text: string, points: number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}
