/** InfluxDB history (issue #5): configuration, line protocol, writer, InfluxQL reads, retention. */
export * from './influx-config.ts';
export * from './line-protocol.ts';
export * from './influxql.ts';
export * from './influx-endpoints.ts';
export * from './influx-writer.ts';
export * from './influx-query.ts';
export * from './influx-rows.ts';
export * from './influx-retention.ts';
export * from './influx-history-store.ts';
