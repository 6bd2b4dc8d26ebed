// Batch lengths are padded up to a small set of sizes (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14,
// 16, 20, ...: powers of two times 1, 1.25, 1.5 and 1.75) so a stream traces and compiles
// its scan for a bounded number of shapes (44 up to 4096), whatever the arrival pattern;
// padded steps are masked out (the carry passes through them unchanged) and their outputs
// are never read. At most a fifth of a batch is padding (a padded step costs about what a
// real one does: a 600-record batch runs 640 steps, not 768).

export function bucket(n: number): number {
  if (n <= 4) return Math.max(n, 1);
  const p = 2 ** Math.floor(Math.log2(n));
  return Math.ceil(n / (p / 4)) * (p / 4);
}
