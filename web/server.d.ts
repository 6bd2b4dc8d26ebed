export interface LiveView {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  /** Sends an event (JSON) to every page, and to pages that connect later. */
  publish(event: unknown): void;
  /** Pages connected now. */
  clients(): number;
  close(): Promise<void>;
}
/** Serves the live web view (sensors.html with uPlot) and its event stream on `host` (default 127.0.0.1), `port` (default 0: any free port). */
export function serveLiveView(opts?: { port?: number; host?: string }): Promise<LiveView>;
