// Types of programs.js (plain JavaScript, so that the page can load the very same file).
import type * as laxflow from '../../src/index.js';

export function programs(lf: typeof laxflow): Promise<Record<string, number[] | string>>;
