// The transcendental functions a wasm scan imports from JavaScript (`env.<name>`): wasm has
// no instruction for them, and a polynomial would not match the oracle's Math.* bit for bit.
// A float32 lane is widened to f64 exactly, passed to the very Math function the oracle
// calls, and the f64 result rounded to float32 as the oracle's Float32Array store rounds it.
// (V8 calls an imported Math function without entering JavaScript.)

export const MATH_IMPORTS = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  pow: Math.pow,
  atan2: Math.atan2,
} as const;

export type MathPrim = keyof typeof MATH_IMPORTS;

export const isMathPrim = (p: string): p is MathPrim => Object.hasOwn(MATH_IMPORTS, p);
