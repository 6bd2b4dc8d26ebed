// Dragon4 for IEEE binary32, with BigInt arithmetic: the shortest round-trip digits of a
// float32 value and NumPy's positional and scientific layouts of them, transcribed from
// numpy/_core/src/multiarray/dragon4.c (Dragon4, FormatPositional, FormatScientific) for
// format.ts. Only the digit modes NumPy's default print options reach are ported.

/**
 * NumPy's `trim`: 'k' keeps trailing zeros, '.' trims them but leaves the decimal point, '0'
 * trims all but the zero before the decimal point, '-' trims them and a trailing point.
 */
export type Trim = 'k' | '.' | '0' | '-';

export interface Float32Bits {
  negative: boolean;
  special: 'nan' | 'inf' | null;
  /** value = mantissa * 2^exponent */
  mantissa: bigint;
  exponent: number;
  /** Index of the highest set mantissa bit. */
  mantissaBit: number;
  /** The high margin is twice the low one (exact power of two, not the smallest normal). */
  unequalMargins: boolean;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Dragon4_PrintFloat_IEEE_binary32: split a float32 into Dragon4's integer form. */
export function float32Bits(x: number): Float32Bits {
  f32Scratch[0] = x;
  const bits = u32Scratch[0]!;
  const floatMantissa = bits & 0x7fffff;
  const floatExponent = (bits >>> 23) & 0xff;
  const negative = bits >>> 31 !== 0;
  if (floatExponent === 0xff) {
    return { negative, special: floatMantissa === 0 ? 'inf' : 'nan', mantissa: 0n, exponent: 0, mantissaBit: 0, unequalMargins: false };
  }
  if (floatExponent !== 0) {
    return {
      negative,
      special: null,
      mantissa: BigInt((1 << 23) | floatMantissa),
      exponent: floatExponent - 127 - 23,
      mantissaBit: 23,
      unequalMargins: floatExponent !== 1 && floatMantissa === 0,
    };
  }
  return {
    negative,
    special: null,
    mantissa: BigInt(floatMantissa),
    exponent: 1 - 127 - 23,
    mantissaBit: floatMantissa === 0 ? 0 : 31 - Math.clz32(floatMantissa),
    unequalMargins: false,
  };
}

type CutoffMode = 'total' | 'fraction';

/** NumPy's repr scratch buffer; only bounds digit generation for unlimited precision. */
const BUFFER_SIZE = 16384;
const LOG10_2 = 0.30102999566398119521373889472449;

const pow10Cache: bigint[] = [1n];
function pow10(n: number): bigint {
  for (let i = pow10Cache.length; i <= n; i++) pow10Cache.push(pow10Cache[i - 1]! * 10n);
  return pow10Cache[n]!;
}

/**
 * Dragon4 in DigitMode_Unique: the shortest digits that uniquely identify the float32 among
 * its neighbours (ties of the last digit rounded to even), limited to `cutoffMax` digits and
 * extended to at least `cutoffMin` digits (each counted per `cutoffMode`; -1 = no limit).
 * Returns the digits and the decimal exponent of the first digit.
 */
function dragon4(
  b: Float32Bits,
  cutoffMode: CutoffMode,
  cutoffMax: number,
  cutoffMin: number,
): { digits: string; exponent: number } {
  const { mantissa, exponent, mantissaBit, unequalMargins } = b;
  if (mantissa === 0n) return { digits: '0', exponent: 0 };

  // value = scaledValue / scale; the margins are half the distance to the neighbours.
  let scaledValue: bigint;
  let scale: bigint;
  let marginLow: bigint;
  if (unequalMargins) {
    if (exponent > 0) {
      scaledValue = mantissa << BigInt(exponent + 2);
      scale = 4n;
      marginLow = 1n << BigInt(exponent);
    } else {
      scaledValue = mantissa << 2n;
      scale = 1n << BigInt(-exponent + 2);
      marginLow = 1n;
    }
  } else if (exponent > 0) {
    scaledValue = mantissa << BigInt(exponent + 1);
    scale = 2n;
    marginLow = 1n << BigInt(exponent);
  } else {
    scaledValue = mantissa << 1n;
    scale = 1n << BigInt(-exponent + 1);
    marginLow = 1n;
  }
  const highFactor = unequalMargins ? 2n : 1n; // marginHigh = highFactor * marginLow

  // Estimate floor(log10(v)) + 1 (correct or one too low).
  let digitExponent = Math.ceil((mantissaBit + exponent) * LOG10_2 - 0.69);
  if (cutoffMax >= 0 && cutoffMode === 'fraction' && digitExponent <= -cutoffMax) {
    digitExponent = -cutoffMax + 1;
  }
  if (digitExponent > 0) {
    scale *= pow10(digitExponent);
  } else if (digitExponent < 0) {
    const p = pow10(-digitExponent);
    scaledValue *= p;
    marginLow *= p;
  }
  if (scaledValue >= scale) {
    digitExponent += 1;
  } else {
    scaledValue *= 10n;
    marginLow *= 10n;
  }

  let cutoffMaxExponent = digitExponent - BUFFER_SIZE;
  if (cutoffMax >= 0) {
    const desired = cutoffMode === 'total' ? digitExponent - cutoffMax : -cutoffMax;
    if (desired > cutoffMaxExponent) cutoffMaxExponent = desired;
  }
  let cutoffMinExponent = digitExponent;
  if (cutoffMin >= 0) {
    const desired = cutoffMode === 'total' ? digitExponent - cutoffMin : -cutoffMin;
    if (desired < cutoffMinExponent) cutoffMinExponent = desired;
  }
  let outExponent = digitExponent - 1;

  const isEven = (mantissa & 1n) === 0n;
  const digits: number[] = [];
  let low = false;
  let high = false;
  let outputDigit = 0;
  for (;;) {
    digitExponent -= 1;
    const q = scaledValue / scale;
    outputDigit = Number(q);
    scaledValue -= q * scale;
    const scaledValueHigh = scaledValue + marginLow * highFactor;
    low = isEven ? scaledValue <= marginLow : scaledValue < marginLow;
    high = isEven ? scaledValueHigh >= scale : scaledValueHigh > scale;
    if (((low || high) && digitExponent <= cutoffMinExponent) || digitExponent === cutoffMaxExponent) break;
    digits.push(outputDigit);
    scaledValue *= 10n;
    marginLow *= 10n;
  }

  // Round the last digit: down if only that is legal, otherwise to nearest (ties to even).
  let roundDown = low;
  if (low === high) {
    const twice = scaledValue * 2n;
    roundDown = twice < scale;
    if (twice === scale) roundDown = (outputDigit & 1) === 0;
  }
  if (roundDown) {
    digits.push(outputDigit);
  } else if (outputDigit === 9) {
    // Carry into the first non-nine digit, or output 1 at the next exponent.
    for (;;) {
      if (digits.length === 0) {
        digits.push(1);
        outExponent += 1;
        break;
      }
      const d = digits.pop()!;
      if (d !== 9) {
        digits.push(d + 1);
        break;
      }
    }
  } else {
    digits.push(outputDigit + 1);
  }
  return { digits: digits.join(''), exponent: outExponent };
}

export interface PositionalOptions {
  cutoff: CutoffMode;
  precision: number;
  minDigits: number;
  trim: Trim;
  padLeft: number;
  padRight: number;
}

/** FormatPositional (unique digit mode, sign shown only when negative). */
export function formatPositional(b: Float32Bits, o: PositionalOptions): string {
  const sign = b.negative ? '-' : '';
  const { digits, exponent: printExponent } = dragon4(b, o.cutoff, o.precision, o.minDigits);
  const numDigits = digits.length;
  let body: string;
  let numWholeDigits: number;
  let numFractionDigits = 0;
  if (printExponent >= 0) {
    numWholeDigits = printExponent + 1;
    if (numDigits <= numWholeDigits) {
      body = digits + '0'.repeat(numWholeDigits - numDigits);
    } else {
      body = digits.slice(0, numWholeDigits) + '.' + digits.slice(numWholeDigits);
      numFractionDigits = numDigits - numWholeDigits;
    }
  } else {
    const numFractionZeros = -(printExponent + 1);
    body = '0.' + '0'.repeat(numFractionZeros) + digits;
    numFractionDigits = numFractionZeros + numDigits;
    numWholeDigits = 1;
  }
  // Always add the decimal point, except in DptZeros ('-') mode.
  if (o.trim !== '-' && numFractionDigits === 0) body += '.';

  const addDigits = o.minDigits;
  let desiredFractionalDigits = addDigits < 0 ? 0 : addDigits;
  if (o.cutoff === 'total') desiredFractionalDigits = addDigits - numWholeDigits;
  if (o.trim === '0') {
    if (numFractionDigits === 0) {
      body += '0';
      numFractionDigits++;
    }
  } else if (o.trim === 'k' && desiredFractionalDigits > numFractionDigits) {
    body += '0'.repeat(desiredFractionalDigits - numFractionDigits);
    numFractionDigits = desiredFractionalDigits;
  }
  // Rounding may still leave trailing zeros: remove them per the trim mode.
  if (o.trim !== 'k' && numFractionDigits > 0) {
    while (body.endsWith('0')) {
      body = body.slice(0, -1);
      numFractionDigits--;
    }
    if (body.endsWith('.')) {
      if (o.trim === '0') {
        body += '0';
        numFractionDigits++;
      } else if (o.trim === '-') {
        body = body.slice(0, -1);
      }
    }
  }
  if (o.padRight >= numFractionDigits) {
    if (o.trim === '-' && numFractionDigits === 0) body += ' ';
    body += ' '.repeat(o.padRight - numFractionDigits);
  }
  const leftPad = o.padLeft > numWholeDigits + sign.length ? o.padLeft - (numWholeDigits + sign.length) : 0;
  return ' '.repeat(leftPad) + sign + body;
}

export interface ScientificOptions {
  precision: number;
  minDigits: number;
  trim: Trim;
  padLeft: number;
  expDigits: number;
}

/** FormatScientific (unique digit mode, sign shown only when negative). */
export function formatScientific(b: Float32Bits, o: ScientificOptions): string {
  const sign = b.negative ? '-' : '';
  const leftChars = 1 + sign.length;
  const pad = o.padLeft > leftChars ? ' '.repeat(o.padLeft - leftChars) : '';
  const { digits, exponent: printExponent } = dragon4(
    b,
    'total',
    o.precision < 0 ? -1 : o.precision + 1,
    o.minDigits < 0 ? -1 : o.minDigits + 1,
  );
  let body = digits[0]!;
  let numFractionDigits = digits.length - 1;
  if (numFractionDigits > 0) body += '.' + digits.slice(1);
  if (o.trim !== '-' && numFractionDigits === 0) body += '.';

  const addDigits = o.minDigits < 0 ? 0 : o.minDigits;
  if (o.trim === '0') {
    if (numFractionDigits === 0) {
      body += '0';
      numFractionDigits++;
    }
  } else if (o.trim === 'k' && addDigits > numFractionDigits) {
    body += '0'.repeat(addDigits - numFractionDigits);
    numFractionDigits = addDigits;
  }
  if (o.trim !== 'k' && numFractionDigits > 0) {
    while (body.endsWith('0')) {
      body = body.slice(0, -1);
      numFractionDigits--;
    }
    if (o.trim === '0' && body.endsWith('.')) {
      body += '0';
      numFractionDigits++;
    }
  }

  // Exponent: at least `expDigits` digits (2 by default, at most 5 of padding).
  const expDigits = o.expDigits < 0 ? 2 : Math.min(o.expDigits, 5);
  const expStr = String(Math.abs(printExponent)).padStart(expDigits, '0');
  return pad + sign + body + 'e' + (printExponent >= 0 ? '+' : '-') + expStr;
}
