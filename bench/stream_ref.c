// The C reference column of bench/stream.ts: the strong plain loop of that file (its header
// states the algorithm) in float32 on one thread, so the bench can say how far laxflow and
// plain JS are from what the hardware does with the same O(1)-per-value algorithm.
//
//   stream_ref ROWS_FILE TICKS SENSORS WINDOW SPAN OUT_FILE [MIN_SECONDS]
//
// Reads TICKS rows of SENSORS float32 values (little-endian, row-major) from ROWS_FILE, runs
// the loop over them once untimed and then again (from a fresh state each pass) until
// MIN_SECONDS (default 0.3) have passed, writes the last pass's z-scores [TICKS x SENSORS]
// float32 to OUT_FILE, and prints one JSON line: rows/s, passes, seconds and a checksum.
// Per row it writes EMA, variance and z-score for every sensor into [TICKS x SENSORS]
// output arrays (what a consumer of the whole stream would hold).
//
// Built by the bench with the system `cc -O3 -march=native` (plus -fno-math-errno, so
// sqrtf needs no errno branch and the sensor loops vectorize).

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  int S, W;
  float alpha;
  float *w, *k, *sum, *sq, *ring;
} State;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *alloc(size_t n) {
  float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
  if (!p) {
    fprintf(stderr, "stream_ref: out of memory\n");
    exit(1);
  }
  return p;
}

// The window's exact sums, the reference moved to the window's mean (O(W) once per W steps).
static void resum(State *st) {
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

// One pass over the stream from a fresh state.
static void run(State *st, const float *rows, int T, float *ema, float *var, float *z) {
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
    if (t % W == W - 1) resum(st);
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

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: stream_ref ROWS_FILE TICKS SENSORS WINDOW SPAN OUT_FILE [MIN_SECONDS]\n");
    return 2;
  }
  const int T = atoi(argv[2]), S = atoi(argv[3]), W = atoi(argv[4]);
  const double span = atof(argv[5]), minSeconds = argc > 7 ? atof(argv[7]) : 0.3;
  if (T < 1 || S < 1 || W < 2 || !(span >= 1)) {
    fprintf(stderr, "stream_ref: bad sizes\n");
    return 2;
  }
  const size_t n = (size_t)T * S;
  float *rows = alloc(n), *ema = alloc(n), *var = alloc(n), *z = alloc(n);
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(rows, sizeof(float), n, f) != n) {
    fprintf(stderr, "stream_ref: cannot read %zu floats from %s\n", n, argv[1]);
    return 1;
  }
  fclose(f);
  State st = {S, W, (float)(2 / (span + 1)), alloc(S), alloc(S), alloc(S), alloc(S), alloc((size_t)W * S)};
  run(&st, rows, T, ema, var, z); // warm-up: page in the outputs
  int passes = 0;
  const double t0 = now();
  double t1;
  do {
    run(&st, rows, T, ema, var, z);
    passes++;
    t1 = now();
  } while (t1 - t0 < minSeconds);
  double checksum = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(z[i])) checksum += z[i];
  f = fopen(argv[6], "wb");
  if (!f || fwrite(z, sizeof(float), n, f) != n) {
    fprintf(stderr, "stream_ref: cannot write %s\n", argv[6]);
    return 1;
  }
  fclose(f);
  printf("{\"rowsPerSecond\": %.1f, \"passes\": %d, \"seconds\": %.6f, \"checksum\": %.6f, \"lastZ0\": %.6f}\n", (double)T * passes / (t1 - t0), passes, t1 - t0, checksum,
         (double)z[n - S]);
  return 0;
}
