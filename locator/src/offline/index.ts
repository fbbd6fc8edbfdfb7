/** Offline locator (issue #3): recorded reads → the live pipeline on a virtual clock → fixes. */
export { ANCHORS_FLOOR_ID, DEFAULT_BOUNDS_MARGIN_M, OfflineInputError, anchorBounds, normaliseMac, parseAnchors, parseBounds, registryOver, siteFromAnchors } from './anchors.ts';
export type { Anchor, Bounds, OfflineSite, OfflineSiteLike } from './anchors.ts';
export { siteFromDirectory } from './site-dir.ts';
export { INPUT_FORMATS, OFFLINE_DEFAULT_TAG, detectFormat, parseBatchLine, parseInput, parsePacketLine, parseReadingsLine, splitLines } from './read-streams.ts';
export type { InputFormat, InputLine, LineIssue, OfflineRead, ParsedInput, StreamContext } from './read-streams.ts';
export { RELATIVE_TIME_BASE_MS, createOfflineLocator, runOffline } from './run-offline.ts';
export type { OfflineLocator, OfflineOutput, OfflineRunOptions, OfflineSummary } from './run-offline.ts';
export { formatIssue, formatOutput, loadOfflineSite, locateFiles } from './files.ts';
export type { LocateFilesOptions, LocateFilesResult } from './files.ts';
