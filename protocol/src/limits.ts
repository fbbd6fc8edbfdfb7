/** Protocol-level limits shared by broker, locator and simulator. Units in the names. */
export const LIMITS = Object.freeze({
  /** Largest MQTT packet the broker accepts: a full 1,000-read batch is ~90 kB; 256 KiB leaves headroom. */
  maxPacketBytes: 256 * 1024,
  /** Reads in one native batch. */
  maxReadsPerBatch: 1000,
  /** Plausible RSSI range in dBm; outside it a read is dropped as absurd. */
  minRssiDbm: -130,
  maxRssiDbm: 20,
  /** A gateway clock further than this from receive time is not trusted (receive time is used). */
  maxClockSkewMs: 5 * 60_000,
});
