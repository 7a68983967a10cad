import type { Config } from "~/lib/config.server";
import { getLogger } from "~/lib/logger.server";
import { CaptureLog } from "./capture.server";
import { startMonitor } from "./monitor.server";
import { createSink } from "./sink.server";

/** Server start-up: the monitor, with the prediction log when CAPTURE_URI is set. */
export async function startMonitoring(config: Config): Promise<void> {
  const log = getLogger();
  if (!config.monitorEnabled) {
    log.warn("model monitoring is off (MONITOR_ENABLED=false)");
    return;
  }
  let capture: CaptureLog | undefined;
  if (config.capture.uri) {
    const sink = await createSink(config.capture, config);
    capture = new CaptureLog(sink, {
      rotateBytes: config.capture.rotateBytes,
      rotateSeconds: config.capture.rotateSeconds,
      onError: (error, rows) => log.warn("prediction log file dropped", { error, rows }),
    });
    log.info("prediction log on", {
      location: sink.location,
      sample: config.capture.captureSample,
    });
  }
  startMonitor(config, capture);
}
