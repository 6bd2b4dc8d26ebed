// A schedule as text: one line per buffer and per kernel, for tests, snapshots and debugging.

import type { Expr, Kernel, Schedule } from './kernel.js';

function exprString(e: Expr): string {
  switch (e.op) {
    case 'read':
      return `in${e.input}[${e.map.offset}${e.map.strides.map((s) => `,${s}`).join('')}]`;
    case 'iota':
      return `iota[${e.map.offset}${e.map.strides.map((s) => `,${s}`).join('')}]`;
    case 'gather':
      return `in${e.input}[clamp(${exprString(e.index)})]`;
    case 'acc':
      return 'acc';
    case 'unary':
      return `${e.prim}(${exprString(e.a)})`;
    case 'binary':
      return `${e.prim}(${exprString(e.a)}, ${exprString(e.b)})`;
    case 'select':
      return `select(${exprString(e.cond)}, ${exprString(e.a)}, ${exprString(e.b)})`;
    case 'cast':
    case 'bitcast':
      return `${e.op}<${e.dtype}>(${exprString(e.a)})`;
  }
}

function kernelString(k: Kernel): string {
  const io = `(${k.inputs.map((b) => `b${b}`).join(', ')}) -> ${k.outputs.map((b) => `b${b}`).join(', ')}`;
  switch (k.kind) {
    case 'elementwise':
      return `elementwise [${k.shape}] ${io}: ${exprString(k.expr)}`;
    case 'reduce':
      return `reduce ${k.op} [${k.shape}] over [${k.reduceShape}] ${io}: ${exprString(k.expr)}${k.epilogue ? ` then ${exprString(k.epilogue)}` : ''}`;
    case 'argreduce':
      return `${k.op} [${k.shape}] over ${k.axisSize} ${io}: ${exprString(k.expr)}`;
    case 'cumulative':
      return `${k.op} axis ${k.axis}${k.reverse ? ' reverse' : ''} [${k.shape}] ${io}: ${exprString(k.expr)}`;
    case 'dot':
      return `dot [${k.lhsShape}] x [${k.rhsShape}] -> [${k.shape}] ${io}`;
    case 'concat':
      return `concat [${k.shape}] ${io}: ${k.parts.map((p) => exprString(p.expr)).join(' | ')}`;
    case 'patch':
      return `patch [${k.shape}] ${k.base ? `copy ${exprString(k.base)}` : 'in place'}, ${k.patches.length} patches ${io}`;
    case 'scan':
      return `scan length ${k.length}${k.reverse ? ' reverse' : ''} ${io}, body:\n${describeSchedule(k.body).replace(/^/gm, '    ')}`;
  }
}

/** The schedule as text. */
export function describeSchedule(s: Schedule): string {
  const lines = s.buffers.map((b) => {
    const leaf = s.inputs.find((i) => i.buffer === b.id);
    return `b${b.id}: ${b.dtype}[${b.size}] ${b.role}${leaf ? ` ${leaf.node}${leaf.take ? ' (taken)' : ''}` : ''}`;
  });
  s.kernels.forEach((k, i) => lines.push(`k${i}: ${kernelString(k)}`));
  lines.push(`outputs: ${s.outputs.map((b) => `b${b}`).join(', ')}`);
  return lines.join('\n');
}
