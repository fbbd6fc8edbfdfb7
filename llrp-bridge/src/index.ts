export { LlrpBridge, BRIDGE_FIRMWARE, type BridgeConfig, type LlrpBridgeOptions, type LlrpBridgeStats } from './bridge.ts';
export { LlrpBridgeConfigSchema, LLRP_BRIDGE_ENV_NAMES, loadConfig, loadLlrpBridgeConfig, type LlrpBridgeConfig } from './config.ts';
export {
  TAG_REPORT_REJECT_REASONS, convertTagReport, convertTagReports, emptyRejectCounts, llrpUtcToEpochMs,
  type RejectCounts, type TagReportConversion, type TagReportRejectReason, type TagReportResult,
} from './tag-reports.ts';
export { ReadBatcher, type ReadBatcherOptions } from './read-batcher.ts';
export { addRospecData, readerConfigData, rospecIdData, type RospecOptions } from './rospec.ts';
export { GatewayLink, type BridgeLogger, type GatewayLinkOptions, type GatewayLinkStats } from './gateway-link.ts';
export { LlrpConnection, LlrpConnectionError, LlrpStatusError, llrpStatus, type LlrpConnectionOptions } from './llrp-connection.ts';
export { decodeLlrp, encodeLlrp, LlrpCodecError, type LlrpMessage } from './llrp-codec.ts';
export { LlrpFrameReader, LlrpFramingError, readLlrpHeader, LLRP_HEADER_BYTES, type LlrpFrameHeader } from './llrp-framing.ts';
export { ReaderRefusedError, connectionAttemptStatus, isConnectionCloseEvent, setUpReader, type LlrpRequester, type ReaderSetupOptions } from './reader-session.ts';
export { backoffDelayMs } from './backoff.ts';
