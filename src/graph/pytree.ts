// Pytrees: nested JS arrays (tuples), plain objects and leaves (arrays, numbers, booleans).
// flatten gives the leaves in a fixed order and a treedef that rebuilds the structure.

export type TreeDef =
  | { kind: 'leaf' }
  | { kind: 'none' }
  | { kind: 'tuple'; children: TreeDef[] }
  | { kind: 'object'; keys: string[]; children: TreeDef[] };

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;

/** Leaves of `tree` in order, and its structure. `null`/`undefined` are empty subtrees. */
export function flatten<L>(tree: unknown, isLeaf: (x: unknown) => boolean = () => false): [L[], TreeDef] {
  const leaves: L[] = [];
  const rec = (t: unknown): TreeDef => {
    if (isLeaf(t)) {
      leaves.push(t as L);
      return { kind: 'leaf' };
    }
    if (t === null || t === undefined) return { kind: 'none' };
    if (Array.isArray(t)) return { kind: 'tuple', children: t.map(rec) };
    if (isPlainObject(t)) {
      const keys = Object.keys(t).sort();
      return { kind: 'object', keys, children: keys.map((k) => rec(t[k])) };
    }
    leaves.push(t as L);
    return { kind: 'leaf' };
  };
  return [leaves, rec(tree)];
}

export function unflatten<L>(def: TreeDef, leaves: readonly L[]): unknown {
  let i = 0;
  const rec = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[i++];
      case 'none':
        return null;
      case 'tuple':
        return d.children.map(rec);
      case 'object': {
        const o: Record<string, unknown> = {};
        for (let j = 0; j < d.keys.length; j++) o[d.keys[j]] = rec(d.children[j]);
        return o;
      }
    }
  };
  const out = rec(def);
  if (i !== leaves.length) throw new Error(`pytree: expected ${i} leaves, got ${leaves.length}`);
  return out;
}

/**
 * `unflatten` for one structure, prepared once: the function returned builds the tree whose
 * leaf i is `leaf(i)`, without walking the treedef (a stream makes one per output record).
 */
export function unflattener(def: TreeDef): (leaf: (i: number) => unknown) => unknown {
  let count = 0;
  const build = (d: TreeDef): ((leaf: (i: number) => unknown) => unknown) => {
    switch (d.kind) {
      case 'leaf': {
        const i = count++;
        return (leaf) => leaf(i);
      }
      case 'none':
        return () => null;
      case 'tuple': {
        const children = d.children.map(build);
        return (leaf) => children.map((c) => c(leaf));
      }
      case 'object': {
        const { keys } = d;
        const children = d.children.map(build);
        return (leaf) => {
          const o: Record<string, unknown> = {};
          for (let j = 0; j < keys.length; j++) o[keys[j]] = children[j](leaf);
          return o;
        };
      }
    }
  };
  return build(def);
}

export function treeEqual(a: TreeDef, b: TreeDef): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function treeString(d: TreeDef): string {
  switch (d.kind) {
    case 'leaf':
      return '*';
    case 'none':
      return 'None';
    case 'tuple':
      return `(${d.children.map(treeString).join(', ')}${d.children.length === 1 ? ',' : ''})`;
    case 'object':
      return `{${d.keys.map((k, i) => `'${k}': ${treeString(d.children[i])}`).join(', ')}}`;
  }
}

/**
 * Broadcast a pytree prefix (e.g. vmap's inAxes) to the leaves of `full`: each leaf of
 * `prefix` applies to the whole subtree at its position.
 */
export function broadcastPrefix<T>(prefix: unknown, full: TreeDef, isLeaf: (x: unknown) => boolean, what: string): T[] {
  const out: T[] = [];
  const countLeaves = (d: TreeDef): number => (d.kind === 'leaf' ? 1 : d.kind === 'none' ? 0 : d.children.reduce((s, c) => s + countLeaves(c), 0));
  const rec = (p: unknown, d: TreeDef): void => {
    if (isLeaf(p) || p === null || p === undefined || d.kind === 'leaf' || d.kind === 'none') {
      if (!isLeaf(p) && p !== null && p !== undefined) throw new TypeError(`${what} specification must be a tree prefix of the corresponding value, got ${JSON.stringify(p)} for a leaf`);
      for (let i = 0; i < countLeaves(d); i++) out.push((p ?? null) as T);
      return;
    }
    if (d.kind === 'tuple' && Array.isArray(p) && p.length === d.children.length) return d.children.forEach((c, i) => rec(p[i], c));
    if (d.kind === 'object' && isPlainObject(p)) {
      const keys = Object.keys(p).sort();
      if (JSON.stringify(keys) === JSON.stringify(d.keys)) return d.children.forEach((c, i) => rec(p[d.keys[i]], c));
    }
    throw new TypeError(`${what} specification must be a tree prefix of the corresponding value, got specification ${JSON.stringify(p)} for value tree ${treeString(d)}`);
  };
  rec(prefix, full);
  return out;
}
