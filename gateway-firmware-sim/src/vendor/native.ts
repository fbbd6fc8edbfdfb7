/**
 * The native format (DESIGN.md §3): the batch itself, as JSON, on rtls/v1/gw/<id>/reads. Native gateways always use
 * that topic whatever their record says (protocol api.ts), so `gw.topic` is not consulted.
 */
import { gatewayReadsTopic, type ReadBatch } from '@rtls/protocol';
import { jsonMessage, type VendorGateway, type VendorMessage } from './message.ts';

export function encodeNative(gw: VendorGateway, batch: ReadBatch): VendorMessage[] {
  return [jsonMessage(gatewayReadsTopic(gw.id), batch)];
}
