// Batch lengths are padded up to a small set of sizes (1, 2, 3, 4, 6, 8, 12, 16, ...:
// powers of two and 1.5x powers of two) so a stream traces and compiles its scan for a
// bounded number of shapes, whatever the arrival pattern; padded steps are masked out
// (the carry passes through them unchanged) and their outputs are never read. At most a
// third of a batch is padding.

export function bucket(n: number): number {
  if (n <= 4) return Math.max(n, 1);
  const p = 2 ** Math.floor(Math.log2(n));
  if (n === p) return p;
  return n <= 1.5 * p ? 1.5 * p : 2 * p;
}
