// The C reference column of bench/stream.ts: the strong plain loops of that file (its header
// states the algorithm) in float32 on one thread, so the bench can say how far laxflow and
// plain JS are from what the hardware does with the same O(1)-per-value algorithm.
//
//   stream_ref rows  IN OUT TICKS SENSORS WINDOW SPAN [MIN_SECONDS]
//     IN: TICKS rows of SENSORS float32 values (row-major). Per row, EMA, variance and
//     z-score of every sensor go into [TICKS x SENSORS] output arrays (what a consumer of
//     the whole stream holds); the sensor loops vectorize.
//   stream_ref keyed IN OUT PRIMING RECORDS KEYS WINDOW SPAN [MIN_SECONDS]
//     IN: PRIMING + RECORDS int32 keys, then as many float32 values. Per-key state lives in
//     slots of flat arrays (ring [slots x WINDOW], KEYS slots); an open-addressing hash table
//     maps a key to its slot (keys are arbitrary int32, as the JS Map's keys are arbitrary). The first
//     PRIMING records (every key once) run untimed in each pass.
//
// Each mode runs once untimed, then again from a fresh state until MIN_SECONDS (default 0.3)
// have passed; it writes the last pass's z-scores then EMAs (float32, the timed records only)
// to OUT and prints one JSON line: steps (rows or records) per second, passes, seconds and a
// checksum of the z-scores (the sum of the finite ones).
//
// Built by the bench with the system `cc -O3 -march=native` (plus -fno-math-errno, so sqrtf
// needs no errno branch and the sensor loops vectorize).

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *alloc(size_t bytes) {
  void *p = aligned_alloc(64, ((bytes + 63) / 64) * 64);
  if (!p) {
    fprintf(stderr, "stream_ref: out of memory\n");
    exit(1);
  }
  return p;
}

// ---- rows: S sensors, one row per step ----

typedef struct {
  int S, W;
  float alpha;
  float *w, *k, *sum, *sq, *ring;
} Rows;

// The window's exact sums, the reference moved to the window's mean (O(W) once per W steps).
static void rowsResum(Rows *st) {
  const int S = st->S, W = st->W;
  float *restrict k = st->k, *restrict sum = st->sum, *restrict sq = st->sq;
  const float *restrict ring = st->ring;
  for (int s = 0; s < S; s++) sum[s] = 0;
  for (int j = 0; j < W; j++)
    for (int s = 0; s < S; s++) sum[s] += ring[(size_t)j * S + s] - k[s];
  for (int s = 0; s < S; s++) k[s] += sum[s] / W, sum[s] = 0, sq[s] = 0;
  for (int j = 0; j < W; j++)
    for (int s = 0; s < S; s++) {
      float d = ring[(size_t)j * S + s] - k[s];
      sum[s] += d, sq[s] += d * d;
    }
}

static void rowsRun(Rows *st, const float *rows, int T, float *ema, float *var, float *z) {
  const int S = st->S, W = st->W;
  float *restrict w = st->w, *restrict k = st->k, *restrict sum = st->sum, *restrict sq = st->sq;
  float oldWt = 1; // pandas' old_wt: the same for every sensor (no missing values)
  for (int t = 0; t < T; t++) {
    const float *restrict x = rows + (size_t)t * S;
    float *restrict ring = st->ring + (size_t)(t % W) * S;
    float *restrict e = ema + (size_t)t * S, *restrict v = var + (size_t)t * S, *restrict zt = z + (size_t)t * S;
    if (t == 0) {
      for (int s = 0; s < S; s++) w[s] = x[s], k[s] = x[s], sum[s] = 0, sq[s] = 0;
    } else {
      oldWt *= 1 - st->alpha;
      const float a = oldWt / (oldWt + 1), b = 1 / (oldWt + 1);
      oldWt += 1;
      for (int s = 0; s < S; s++) w[s] = a * w[s] + b * x[s];
    }
    if (t < W) {
      for (int s = 0; s < S; s++) {
        float d = x[s] - k[s];
        sum[s] += d, sq[s] += d * d, ring[s] = x[s];
      }
    } else {
      for (int s = 0; s < S; s++) {
        float d = x[s] - k[s], l = ring[s] - k[s];
        sum[s] += d - l, sq[s] += d * d - l * l, ring[s] = x[s];
      }
    }
    if (t % W == W - 1) rowsResum(st);
    if (t + 1 < W) {
      for (int s = 0; s < S; s++) e[s] = w[s], v[s] = NAN, zt[s] = NAN;
    } else {
      const float inv = 1.0f / W, inv1 = 1.0f / (W - 1);
      for (int s = 0; s < S; s++) {
        float m = sum[s] * inv;
        float vv = fmaxf((sq[s] - sum[s] * m) * inv1, 0);
        e[s] = w[s], v[s] = vv, zt[s] = (x[s] - k[s] - m) / sqrtf(vv);
      }
    }
  }
}

// ---- keyed: one value per record, state per key ----

typedef struct {
  int W, size, mask, cap;
  float alpha;
  int32_t *hkey, *hslot; // the hash table: key and slot per entry, slot -1 when empty
  int32_t *n;
  float *w, *oldWt, *k, *sum, *sq, *ring;
} Keyed;

static void keyedReset(Keyed *st) {
  st->size = 0;
  memset(st->hslot, 0xff, sizeof(int32_t) * (st->mask + 1));
}

static inline int slotOf(Keyed *st, int32_t key) {
  uint32_t h = ((uint32_t)key * 2654435761u) & st->mask;
  while (st->hslot[h] >= 0) {
    if (st->hkey[h] == key) return st->hslot[h];
    h = (h + 1) & st->mask;
  }
  if (st->size == st->cap) {
    fprintf(stderr, "stream_ref: more than KEYS distinct keys\n");
    exit(1);
  }
  st->hkey[h] = key;
  st->n[st->size] = 0;
  return st->hslot[h] = st->size++;
}

static void keyedRun(Keyed *st, const int32_t *keys, const float *values, int from, int to, float *ema, float *var, float *z) {
  const int W = st->W;
  const float alpha = st->alpha;
  for (int j = from; j < to; j++) {
    const float x = values[j];
    const int i = slotOf(st, keys[j]);
    const int c = st->n[i]++;
    float *restrict ring = st->ring + (size_t)i * W;
    float d;
    if (c == 0) {
      st->w[i] = x, st->oldWt[i] = 1, st->k[i] = x, st->sum[i] = 0, st->sq[i] = 0, ring[0] = x;
      d = 0;
    } else {
      const float ow = st->oldWt[i] * (1 - alpha);
      st->w[i] = (ow * st->w[i] + x) / (ow + 1);
      st->oldWt[i] = ow + 1;
      const int p = c % W;
      d = x - st->k[i];
      if (c >= W) {
        const float l = ring[p] - st->k[i];
        st->sum[i] += d - l, st->sq[i] += d * d - l * l;
      } else {
        st->sum[i] += d, st->sq[i] += d * d;
      }
      ring[p] = x;
      if (p == W - 1) { // exact re-sum, the reference moved to the window's mean
        float s = 0, s1 = 0, s2 = 0;
        for (int r = 0; r < W; r++) s += ring[r];
        st->k[i] = s / W;
        for (int r = 0; r < W; r++) {
          const float e = ring[r] - st->k[i];
          s1 += e, s2 += e * e;
        }
        st->sum[i] = s1, st->sq[i] = s2;
        d = x - st->k[i];
      }
    }
    if (!ema) continue; // priming: no outputs
    ema[j] = st->w[i];
    if (c + 1 >= W) {
      const float m = st->sum[i] / W;
      const float v = fmaxf((st->sq[i] - st->sum[i] * m) / (W - 1), 0);
      var[j] = v, z[j] = (d - m) / sqrtf(v);
    } else {
      var[j] = NAN, z[j] = NAN;
    }
  }
}

// ---- main ----

static void readAt(const char *path, long offset, void *to, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f || fseek(f, offset, SEEK_SET) || fread(to, 1, bytes, f) != bytes) {
    fprintf(stderr, "stream_ref: cannot read %zu bytes from %s\n", bytes, path);
    exit(1);
  }
  fclose(f);
}

static void writeOut(const char *path, const float *z, const float *ema, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(z, sizeof(float), n, f) != n || fwrite(ema, sizeof(float), n, f) != n) {
    fprintf(stderr, "stream_ref: cannot write %s\n", path);
    exit(1);
  }
  fclose(f);
}

static void report(double steps, int passes, double seconds, const float *z, size_t n) {
  double checksum = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(z[i])) checksum += z[i];
  printf("{\"stepsPerSecond\": %.1f, \"passes\": %d, \"seconds\": %.6f, \"checksum\": %.6f}\n", steps * passes / seconds, passes, seconds, checksum);
}

static void usage(void) {
  fprintf(stderr, "usage: stream_ref rows IN OUT TICKS SENSORS WINDOW SPAN [MIN_SECONDS]\n"
                  "       stream_ref keyed IN OUT PRIMING RECORDS KEYS WINDOW SPAN [MIN_SECONDS]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc >= 8 && !strcmp(argv[1], "rows")) {
    const int T = atoi(argv[4]), S = atoi(argv[5]), W = atoi(argv[6]);
    const double span = atof(argv[7]), minSeconds = argc > 8 ? atof(argv[8]) : 0.3;
    if (T < 1 || S < 1 || W < 2 || !(span >= 1)) usage();
    const size_t n = (size_t)T * S, bytes = n * sizeof(float);
    float *rows = alloc(bytes), *ema = alloc(bytes), *var = alloc(bytes), *z = alloc(bytes);
    readAt(argv[2], 0, rows, bytes);
    Rows st = {S, W, (float)(2 / (span + 1)), alloc(S * 4), alloc(S * 4), alloc(S * 4), alloc(S * 4), alloc((size_t)W * S * 4)};
    rowsRun(&st, rows, T, ema, var, z); // warm-up: pages the outputs in
    int passes = 0;
    const double t0 = now();
    double t1;
    do rowsRun(&st, rows, T, ema, var, z), passes++, t1 = now();
    while (t1 - t0 < minSeconds);
    writeOut(argv[3], z, ema, n);
    report(T, passes, t1 - t0, z, n);
    return 0;
  }
  if (argc >= 10 && !strcmp(argv[1], "keyed")) {
    const int P = atoi(argv[4]), N = atoi(argv[5]), K = atoi(argv[6]), W = atoi(argv[7]);
    const double span = atof(argv[8]), minSeconds = argc > 9 ? atof(argv[9]) : 0.3;
    if (P < 0 || N < 1 || K < 1 || W < 2 || !(span >= 1)) usage();
    const size_t total = (size_t)P + N;
    int32_t *keys = alloc(total * 4);
    float *values = alloc(total * 4);
    readAt(argv[2], 0, keys, total * 4);
    readAt(argv[2], (long)(total * 4), values, total * 4);
    int slots = 1;
    while (slots < 2 * K) slots *= 2; // the hash table at most half full
    Keyed st = {W, 0, slots - 1, K, (float)(2 / (span + 1)), alloc(slots * 4), alloc(slots * 4), alloc(K * 4), alloc(K * 4), alloc(K * 4), alloc(K * 4), alloc(K * 4), alloc(K * 4), alloc((size_t)K * W * 4)};
    float *ema = alloc((size_t)N * 4), *var = alloc((size_t)N * 4), *z = alloc((size_t)N * 4);
    int passes = -1;
    double t0 = 0, timed = 0;
    do {
      keyedReset(&st);
      keyedRun(&st, keys, values, 0, P, NULL, NULL, NULL);
      const double a = now();
      keyedRun(&st, keys + P, values + P, 0, N, ema, var, z);
      const double b = now();
      if (passes++ < 0) t0 = b; // the first pass is the warm-up
      else timed += b - a;
    } while (passes == 0 || now() - t0 < minSeconds);
    writeOut(argv[3], z, ema, N);
    report(N, passes, timed, z, N);
    return 0;
  }
  usage();
}
