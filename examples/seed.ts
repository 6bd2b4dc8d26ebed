// The seed tutorial ("JAX patterns") run through laxflow's public API: each example
// prints exactly what JAX prints. `npm start` runs this until the streaming job lands.

import { config, lax, np, random, vmap, type LaxArray } from '../src/index.js';

export async function seedExamples(print: (line: string) => void = console.log): Promise<void> {
  const square = (x: LaxArray) => x.mul(x);
  const array = np.stack([np.repeat(1, 5), np.repeat(2, 5)]);
  print(await vmap(square)(array).format());

  print(await np.sum(array, { axis: 0 }).format());
  print(await np.sum(array, { axis: 1 }).format());

  const sumArray = (x: LaxArray) => np.sum(x);
  print(await vmap(sumArray, { inAxes: 0 })(array).format());
  print(await vmap(sumArray, { inAxes: 1 })(array).format());

  const euclideanDistance = (x: LaxArray, y: LaxArray) => np.sqrt(np.sum(x.sub(y).pow(2)));
  const points1 = np.array([[1, 2], [3, 4], [5, 6]]);
  const points2 = np.array([[6, 5], [4, 3], [2, 1]]);
  print(await vmap(euclideanDistance, { inAxes: [0, 0] })(points1, points2).format());

  const addAndMultiplyScalar = (x: LaxArray, y: LaxArray, scalar: LaxArray) => x.add(y).mul(scalar);
  const addAndMultiplyVector = (x: LaxArray, y: LaxArray, scalar: LaxArray) => vmap(addAndMultiplyScalar, [0, 0, null])(x, y, scalar);
  const x = np.array([1.0, 2.0, 3.0], { dtype: 'float32' });
  const y = np.array([4.0, 5.0, 6.0], { dtype: 'float32' });
  const scalar = np.array([2.0, 3.0, 4.0], { dtype: 'float32' });
  print(await addAndMultiplyVector(x, y, scalar).format());

  const cumsumFn = (prevSum: LaxArray, nextValue: LaxArray): [LaxArray, LaxArray] => [prevSum.add(nextValue), prevSum.add(nextValue)];
  const sequence = np.array([1, 2, 3, 4, 5]);
  const [cumulativeSum] = lax.scan(cumsumFn, np.array(0), sequence);
  print(`Cumulative Sum: ${await cumulativeSum.format()}`);

  type State = [LaxArray | number, LaxArray | number];
  const movingAverage = ([prevAvg]: State, nextValue: LaxArray): [State, LaxArray] => {
    const newAvg = np.divide(np.add(np.multiply(prevAvg, 2), nextValue), 3);
    return [[newAvg, nextValue], newAvg];
  };
  const sensorData = np.array([10.0, 12.0, 14.0, 16.0, 18.0], { dtype: 'float32' });
  const [, movingAverages] = lax.scan(movingAverage, [0.0, 0.0] as State, sensorData);
  print(`Moving averages: ${await movingAverages.format()}`);
}

/**
 * The seed's "Random keys" section. The tutorial was printed with JAX's legacy key layout, so
 * it runs with `jax_threefry_partitionable` off (and restores the flag afterwards).
 */
export async function seedRandomExamples(print: (line: string) => void = console.log): Promise<void> {
  const previous = config.read('jax_threefry_partitionable');
  config.update('jax_threefry_partitionable', false);
  try {
    const key = random.PRNGKey(42);
    print(await key.format());
    const subkeys = random.split(key);
    const [subkey1, subkey2] = [subkeys.slice(0), subkeys.slice(1)];
    print(`${await subkey1.format()} ${await subkey2.format()}`);
    const keys = random.split(key, 5);
    print(await keys.format());
  } finally {
    config.update('jax_threefry_partitionable', previous);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await seedExamples();
  await seedRandomExamples();
}
