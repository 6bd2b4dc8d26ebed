// NumPy-compatible array printing: `formatArray` returns exactly what `str(np.asarray(x))`
// returns under NumPy >= 2.3's default print options (goldens from NumPy 2.4.6), byte for
// byte, for the four laxflow dtypes. NumPy 1.x differs in float32 cutoffs.
//
// Why a port instead of `toString`: users compare laxflow output with NumPy/JAX output, and
// the rules NumPy follows are intricate (shortest round-trip digits of the *float32* value,
// shared column widths, scientific-notation switch, line wrapping, `...` summaries). Every
// piece below is a faithful transcription of the NumPy code that implements it:
//
//   1. Dragon4 digit generation          numpy/_core/src/multiarray/dragon4.c  (Dragon4),
//   2. positional / scientific layout    dragon4.c  (FormatPositional, FormatScientific):
//                                        both in dragon4.ts
//   3. element formatters                numpy/_core/arrayprint.py  (FloatingFormat,
//                                        IntegerFormat, BoolFormat)
//   4. nesting, wrapping and summaries   arrayprint.py  (_leading_trailing, _formatArray,
//                                        _extendLine, _extendLine_pretty)
//   5. 0-d arrays print their scalar     scalartypes.c.src  (floattype_str, genint_type_str)
//
// Default print options assumed (np.get_printoptions()): precision=8, floatmode='maxprec',
// threshold=1000, edgeitems=3, linewidth=75, suppress=False, sign='-', nanstr='nan',
// infstr='inf', legacy=False. Only the code paths these options reach are ported (e.g. the
// Dragon4 "exact" digit mode, used only by floatmode='fixed', is not).

import type { DType, TypedArray } from '../graph/dtype.js';
import { float32Bits, formatPositional, formatScientific, type Trim } from './dragon4.js';

const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 75;
const PRECISION = 8;
const SEPARATOR = ' ';
const NANSTR = 'nan';
const INFSTR = 'inf';

/**
 * Print an array of `shape` (C order, `data` holding at least prod(shape) elements) the way
 * NumPy's `str()` does.
 */
export function formatArray(data: TypedArray, shape: readonly number[], dtype: DType): string {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length < size) {
    throw new RangeError(`formatArray: ${data.length} elements given for shape [${shape.join(', ')}]`);
  }
  // str() of a 0-d array is str() of its scalar (_array_str_implementation).
  if (shape.length === 0) return formatScalar(data[0]!, dtype);
  // array2string: "treat as a null array if any of shape elements == 0".
  if (size === 0) return '[]';

  const strides = new Array<number>(shape.length);
  for (let axis = shape.length - 1, stride = 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis]!;
  }
  const summarize = size > THRESHOLD;
  // The formatter is fitted to the printed elements only (_leading_trailing).
  const shown = summarize ? leadingTrailing(data, shape, strides) : Array.from(data.subarray(0, size));
  const formatElement = elementFormatter(shown, dtype);
  return formatNested(shape, strides, (i) => formatElement(data[i]!), summarize ? '...' : '');
}

// ---------------------------------------------------------------------------------------------
// 0-d arrays: str of the NumPy scalar.
// ---------------------------------------------------------------------------------------------

function formatScalar(x: number, dtype: DType): string {
  switch (dtype) {
    case 'bool':
      return x ? 'True' : 'False';
    case 'int32':
    case 'uint32':
      return String(x);
    case 'float32':
      return float32ScalarStr(Math.fround(x));
  }
}

/** floattype_str: positional in [1e-4, 1e6) (and for 0/nan), scientific otherwise; shortest digits. */
function float32ScalarStr(x: number): string {
  const bits = float32Bits(x);
  if (bits.special === 'nan') return NANSTR;
  if (bits.special === 'inf') return (bits.negative ? '-' : '') + INFSTR;
  const abs = Math.abs(x);
  // The C code compares the float32 against the long double 1e-4L; no float32 lies between
  // that and the double 1e-4, so a double comparison is exact here.
  if (abs === 0 || (abs < 1e6 && abs >= 1e-4)) {
    return formatPositional(bits, { cutoff: 'total', precision: -1, minDigits: -1, trim: '0', padLeft: -1, padRight: -1 });
  }
  return formatScientific(bits, { precision: -1, minDigits: -1, trim: '-', padLeft: -1, expDigits: -1 });
}

// ---------------------------------------------------------------------------------------------
// Element formatters (arrayprint.py: FloatingFormat, IntegerFormat, BoolFormat).
// ---------------------------------------------------------------------------------------------

function elementFormatter(shown: readonly number[], dtype: DType): (x: number) => string {
  switch (dtype) {
    case 'bool':
      // " True" so that True and False align; only 0-d arrays drop the space.
      return (x) => (x ? ' True' : 'False');
    case 'int32':
    case 'uint32':
      return integerFormatter(shown);
    case 'float32':
      return floatingFormatter(shown.map(Math.fround));
  }
}

/** IntegerFormat with sign='-': right-align to the widest of str(max), str(min). */
function integerFormatter(values: readonly number[]): (x: number) => string {
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const width = values.length > 0 ? Math.max(String(max).length, String(min).length) : 0;
  return (x) => String(x).padStart(width);
}

/** FloatingFormat(data, precision=8, floatmode='maxprec', suppress_small=False, sign='-'). */
function floatingFormatter(data: readonly number[]): (x: number) => string {
  // --- fillFormat ---
  const finite = data.filter(Number.isFinite);
  let expFormat = false;
  let maxVal = -Infinity;
  let minVal = Infinity;
  for (const v of finite) {
    if (v === 0) continue;
    const a = Math.abs(v);
    if (a > maxVal) maxVal = a;
    if (a < minVal) minVal = a;
  }
  if (minVal !== Infinity) {
    // All operands are float32 (NEP 50 casts the Python float literals to float32 too):
    // exp_cutoff_max = 10.**min(8, finfo(float32).precision) = 1e6, and the ratio is a
    // float32 division (which may overflow to inf).
    if (maxVal >= 1e6 || minVal < Math.fround(1e-4) || Math.fround(maxVal / minVal) > 1000) {
      expFormat = true;
    }
  }

  let padLeft: number;
  let padRight: number;
  let precision = PRECISION;
  let minDigits: number;
  let trim: Trim;
  let expSize = -1;
  if (finite.length === 0) {
    padLeft = 0;
    padRight = 0;
    trim = '.';
    minDigits = -1;
  } else if (expFormat) {
    // First pass: shortest digits, to size the columns.
    const strs = finite.map((x) =>
      formatScientific(float32Bits(x), { precision, minDigits: -1, trim: '.', padLeft: -1, expDigits: -1 }),
    );
    let maxExp = 0;
    let maxFrac = 0;
    let maxInt = 0;
    for (const s of strs) {
      const e = s.indexOf('e');
      const mant = e < 0 ? s : s.slice(0, e);
      const exp = e < 0 ? '' : s.slice(e + 1);
      const [intPart, fracPart] = splitDot(mant);
      maxExp = Math.max(maxExp, exp.length);
      maxFrac = Math.max(maxFrac, fracPart.length);
      maxInt = Math.max(maxInt, intPart.length);
    }
    expSize = maxExp - 1;
    trim = 'k';
    precision = maxFrac;
    minDigits = precision;
    padLeft = maxInt;
    padRight = expSize + 2 + precision;
  } else {
    const strs = finite.map((x) =>
      formatPositional(float32Bits(x), { cutoff: 'fraction', precision, minDigits: -1, trim: '.', padLeft: -1, padRight: -1 }),
    );
    let maxFrac = 0;
    let maxInt = 0;
    for (const s of strs) {
      const [intPart, fracPart] = splitDot(s);
      maxFrac = Math.max(maxFrac, fracPart.length);
      maxInt = Math.max(maxInt, intPart.length);
    }
    padLeft = maxInt;
    padRight = maxFrac;
    // floatmode 'maxprec': keep trimming, no minimum digit count.
    trim = '.';
    minDigits = 0;
  }
  // Non-finite values may need a wider integer column.
  if (finite.length !== data.length) {
    const neginf = data.some((v) => v === -Infinity) ? 1 : 0;
    const offset = padRight + 1; // +1 for the decimal point
    padLeft = Math.max(padLeft, NANSTR.length - offset, INFSTR.length + neginf - offset);
  }

  // --- __call__ ---
  return (x: number): string => {
    x = Math.fround(x);
    if (!Number.isFinite(x)) {
      const ret = Number.isNaN(x) ? NANSTR : (x < 0 ? '-' : '') + INFSTR;
      return ' '.repeat(Math.max(0, padLeft + padRight + 1 - ret.length)) + ret;
    }
    const bits = float32Bits(x);
    if (expFormat) {
      return formatScientific(bits, { precision, minDigits, trim, padLeft, expDigits: expSize });
    }
    return formatPositional(bits, { cutoff: 'fraction', precision, minDigits, trim, padLeft, padRight });
  };
}

/** Python's `int_part, frac_part = s.split('.')` (the formatted strings always hold one '.'). */
function splitDot(s: string): [string, string] {
  const i = s.indexOf('.');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

// ---------------------------------------------------------------------------------------------
// Nesting, wrapping and summaries (arrayprint.py: _leading_trailing, _formatArray).
// ---------------------------------------------------------------------------------------------

/** The elements that remain after keeping `EDGEITEMS` at both ends of every long axis. */
function leadingTrailing(data: TypedArray, shape: readonly number[], strides: readonly number[]): number[] {
  const out: number[] = [];
  const visit = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      out.push(data[offset]!);
      return;
    }
    const n = shape[axis]!;
    const stride = strides[axis]!;
    if (n > 2 * EDGEITEMS) {
      for (let i = 0; i < EDGEITEMS; i++) visit(axis + 1, offset + i * stride);
      for (let i = n - EDGEITEMS; i < n; i++) visit(axis + 1, offset + i * stride);
    } else {
      for (let i = 0; i < n; i++) visit(axis + 1, offset + i * stride);
    }
  };
  visit(0, 0);
  return out;
}

/** _formatArray with separator ' ', next_line_prefix ' ' (str has no "array(" prefix). */
function formatNested(
  shape: readonly number[],
  strides: readonly number[],
  formatAt: (flatIndex: number) => string,
  summaryInsert: string,
): string {
  const ndim = shape.length;
  const recurse = (axis: number, offset: number, hangingIndent: string, currWidth: number): string => {
    const axesLeft = ndim - axis;
    if (axesLeft === 0) return formatAt(offset);

    // When recursing, add a space to align with the '[' and reduce the line length by 1 (']').
    const nextHangingIndent = hangingIndent + ' ';
    const nextWidth = currWidth - 1;
    const aLen = shape[axis]!;
    const stride = strides[axis]!;
    const showSummary = summaryInsert !== '' && 2 * EDGEITEMS < aLen;
    const leadingItems = showSummary ? EDGEITEMS : 0;
    const trailingItems = showSummary ? EDGEITEMS : aLen;
    const child = (i: number) => recurse(axis + 1, offset + i * stride, nextHangingIndent, nextWidth);

    let s = '';
    if (axesLeft === 1) {
      // Last axis: wrap elements that would not fit on one line.
      const elemWidth = currWidth - Math.max(SEPARATOR.trimEnd().length, 1);
      let line = hangingIndent;
      for (let i = 0; i < leadingItems; i++) {
        [s, line] = extendLinePretty(s, line, child(i), elemWidth, hangingIndent);
        line += SEPARATOR;
      }
      if (showSummary) {
        [s, line] = extendLine(s, line, summaryInsert, elemWidth, hangingIndent);
        line += SEPARATOR;
      }
      for (let i = trailingItems; i > 1; i--) {
        [s, line] = extendLinePretty(s, line, child(aLen - i), elemWidth, hangingIndent);
        line += SEPARATOR;
      }
      [s, line] = extendLinePretty(s, line, child(aLen - 1), elemWidth, hangingIndent);
      s += line;
    } else {
      // Other axes: rows separated by newlines, one blank line per extra dimension.
      const lineSep = SEPARATOR.trimEnd() + '\n'.repeat(axesLeft - 1);
      for (let i = 0; i < leadingItems; i++) s += hangingIndent + child(i) + lineSep;
      if (showSummary) s += hangingIndent + summaryInsert + lineSep;
      for (let i = trailingItems; i > 1; i--) s += hangingIndent + child(aLen - i) + lineSep;
      s += hangingIndent + child(aLen - 1);
    }
    // Remove the hanging indent and wrap in [].
    return '[' + s.slice(hangingIndent.length) + ']';
  };
  return recurse(0, 0, ' ', LINEWIDTH);
}

function extendLine(s: string, line: string, word: string, lineWidth: number, nextLinePrefix: string): [string, string] {
  let needsWrap = line.length + word.length > lineWidth;
  // Don't wrap lines if it won't help.
  if (line.length <= nextLinePrefix.length) needsWrap = false;
  if (needsWrap) {
    s += line.trimEnd() + '\n';
    line = nextLinePrefix;
  }
  return [s, line + word];
}

function extendLinePretty(
  s: string,
  line: string,
  word: string,
  lineWidth: number,
  nextLinePrefix: string,
): [string, string] {
  const words = word.split('\n');
  if (words.length === 1) return extendLine(s, line, word, lineWidth, nextLinePrefix);
  const maxWordLength = Math.max(...words.map((w) => w.length));
  let indent: string;
  if (line.length + maxWordLength > lineWidth && line.length > nextLinePrefix.length) {
    s += line.trimEnd() + '\n';
    line = nextLinePrefix + words[0]!;
    indent = nextLinePrefix;
  } else {
    indent = ' '.repeat(line.length);
    line += words[0]!;
  }
  for (const w of words.slice(1)) {
    s += line.trimEnd() + '\n';
    line = indent + w;
  }
  line += ' '.repeat(maxWordLength - words[words.length - 1]!.length);
  return [s, line];
}
