/**
 * Dawn's limit warnings, kept off the process's stderr.
 *
 * On every adapter discovery Dawn clamps the driver's limits to its own fixed maxima and
 * says so from native code, straight to file descriptor 2 (dawn/native/Limits.cpp,
 * `NormalizeLimits`: "Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced
 * from 1000000 to 16 to fit dynamic offset allocation limit.", and the same for storage
 * buffers). Vulkan drivers (lavapipe, RADV, NVIDIA) report 500000 or more, Dawn keeps 16, so
 * every start printed the two lines. Nothing laxflow asks for causes it: it happens inside
 * `requestAdapter()`, before any limit is requested, and a release build of Dawn prints
 * warnings with no switch to turn them off. laxflow uses no dynamic offsets, so the clamp is
 * no news to it or its users.
 *
 * Dawn writes them synchronously, within the `requestAdapter()` call (no JavaScript runs
 * meanwhile): that call runs with descriptor 2 pointed at a temporary file, then descriptor
 * 2 is reopened on what it was, and anything else Dawn wrote (a driver's complaint, e.g.
 * "vkCreateInstance: Found no drivers!") is handed to the caller, who passes it on to stderr
 * or into the reason there is no adapter. Where stderr cannot be reopened (not Linux or
 * macOS, or a socket: Node's child-process pipes are sockets) the call runs as it is and the
 * warnings show.
 */

type Fs = typeof import('node:fs');

/** The clamping notices, each a line of its own. */
const LIMIT_WARNING = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

/** What Dawn wrote, less its limit warnings. */
export function withoutLimitWarnings(text: string): string {
  return text
    .split('\n')
    .filter((line) => !LIMIT_WARNING.test(line))
    .join('\n');
}

/**
 * `f()`, with what native code writes to descriptor 2 meanwhile captured: the limit
 * warnings dropped, the rest given to `rest` (when there is any).
 */
export function capturingNativeStderr<T>(fs: Fs | null, tmpdir: string, f: () => T, rest: (text: string) => void): T {
  const self = process.platform === 'linux' ? '/proc/self/fd' : process.platform === 'darwin' ? '/dev/fd' : null;
  if (fs === null || self === null) return f();
  let saved: number;
  try {
    saved = fs.openSync(`${self}/2`, 'a');
  } catch {
    return f(); // stderr cannot be reopened (a socket, or closed): leave it alone
  }
  const file = `${tmpdir}/laxflow-dawn-${process.pid}-${Date.now()}.log`;
  let captured = '';
  try {
    fs.closeSync(2);
    const fd = fs.openSync(file, 'w+'); // the lowest free descriptor: 2, unless 0 or 1 is closed
    try {
      return f();
    } finally {
      if (fd === 2) captured = fs.readFileSync(file, 'utf8');
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
  } finally {
    // Descriptor 2 is free again: reopening stderr's own file takes it.
    const back = fs.openSync(`${self}/${saved}`, 'a');
    if (back !== 2) fs.closeSync(back);
    fs.closeSync(saved);
    const other = withoutLimitWarnings(captured);
    if (other.trim() !== '') rest(other);
  }
}
