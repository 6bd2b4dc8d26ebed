// What rendering one scheduler kernel gives the runtime: its dispatches (WGSL and a grid),
// or NotLowered when the kernel has no WGSL form. The renderers all share these names, so
// render_kernel.ts can dispatch to the specialised renderers (render_cumulative.ts,
// render_scan.ts, render_affine_scan.ts) without any of them importing it back.

export interface Dispatch {
  code: string;
  workgroups: number;
  /**
   * Words of scratch memory the kernel's dispatches share (parallel scans keep block totals
   * there); its arena offset is the meta word after the kernel's buffers and extras.
   */
  scratch?: number;
  /**
   * The kernel's first scratch word is a flag it sets when an access left its lane (a memory
   * carry of a lane-wise scan, render_scan.ts): zeroed before the run, read back with the
   * outputs; set means the results are void and the schedule runs on the CPU instead.
   */
  laneFlag?: boolean;
}

/** Why a kernel has no GPU form (the backend then runs the schedule on the CPU). */
export class NotLowered extends Error {}

/** Workgroup size of the one-thread-per-element kernels. */
export const WG = 64;

/** Linear workgroup id over a 2-D grid of workgroups (one dimension holds 65535). */
export const groupId = '(wid.x + wid.y * nwg.x)';

/** Linear thread id over a 2-D grid of workgroups of `wg` threads. */
export const threadId = (wg: number) => `${groupId} * ${wg}u + lid.x`;
