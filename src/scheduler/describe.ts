// A schedule as text: one line per buffer and per kernel, for tests, snapshots and debugging.

import { exprChildren, type Expr, type Kernel, type Schedule } from './kernel.js';

/**
 * Prints the expressions of one kernel. Expressions are DAGs (threefry's is 2^20 paths deep
 * as a tree), so a non-leaf sub-expression reached twice is printed once, as `$k = ...` in
 * `shared`, and referenced by name.
 */
class ExprPrinter {
  readonly shared: string[] = [];
  private readonly seen = new Set<Expr>();
  private readonly many = new Set<Expr>();
  private readonly names = new Map<Expr, string>();

  constructor(roots: readonly Expr[]) {
    const visit = (e: Expr): void => {
      if (this.seen.has(e)) {
        if (exprChildren(e).length) this.many.add(e);
        return;
      }
      this.seen.add(e);
      exprChildren(e).forEach(visit);
    };
    roots.forEach(visit);
  }

  print(e: Expr): string {
    const name = this.names.get(e);
    if (name) return name;
    const text = this.spell(e);
    if (!this.many.has(e)) return text;
    const n = `$${this.shared.length}`;
    this.shared.push(`${n} = ${text}`);
    this.names.set(e, n);
    return n;
  }

  private spell(e: Expr): string {
    const p = (x: Expr) => this.print(x);
    switch (e.op) {
      case 'read':
        return `in${e.input}[${e.map.offset}${e.map.strides.map((s) => `,${s}`).join('')}]`;
      case 'iota':
        return `iota[${e.map.offset}${e.map.strides.map((s) => `,${s}`).join('')}]`;
      case 'gather':
        return `in${e.input}[clamp(${p(e.index)})]`;
      case 'acc':
        return 'acc';
      case 'unary':
        return `${e.prim}(${p(e.a)})`;
      case 'binary':
        return `${e.prim}(${p(e.a)}, ${p(e.b)})`;
      case 'select':
        return `select(${p(e.cond)}, ${p(e.a)}, ${p(e.b)})`;
      case 'cast':
      case 'bitcast':
        return `${e.op}<${e.dtype}>(${p(e.a)})`;
    }
  }
}

const kernelExprs = (k: Kernel): Expr[] => {
  switch (k.kind) {
    case 'elementwise':
    case 'argreduce':
    case 'cumulative':
      return [k.expr];
    case 'reduce':
      return k.epilogue ? [k.expr, k.epilogue] : [k.expr];
    case 'concat':
      return k.parts.map((p) => p.expr);
    case 'patch':
      return k.base ? [k.base] : [];
    case 'dot':
    case 'scan':
      return [];
  }
};

function kernelString(k: Kernel): string {
  const printer = new ExprPrinter(kernelExprs(k));
  const text = kernelText(k, (e) => printer.print(e));
  return printer.shared.length ? `${text}\n    where ${printer.shared.join('\n          ')}` : text;
}

function kernelText(k: Kernel, exprString: (e: Expr) => string): string {
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
