/**
 * Gateway routes (issue #4 items 2–3): the diagnostics an installer needs, creating a gateway with its MQTT
 * credentials, and revoking them (issue #6 item 6: the broker disconnects it). Writes need `registry:write` and are
 * audited; diagnostics hide recent reads of patient tags the viewer may not see.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pointInPolygon, type Site } from '@rtls/floorplans';
import {
  ErrorBodySchema, GatewayCreateRequestSchema, GatewayCreateResponseSchema, GatewayDiagnosticsSchema, RtlsError,
  gatewayReadsTopic, type GatewayDiagnostics as GatewayDiagnosticsView,
} from '@rtls/protocol';
import type { GatewayDiagnostics } from '../ingest/gateway-diagnostics.ts';
import type { Registry, RegisteredGateway } from '../registry/sqlite-registry.ts';
import type { LiveState } from '../state/live-state.ts';
import type { AccessService } from '../auth/access.ts';
import { projectTag } from '../auth/viewer.ts';
import { viewerOf } from './auth-guard.ts';

export type GatewayRegistry = Pick<Registry, 'listGateways' | 'createGateway' | 'revokeGatewayCredentials'>;

export interface GatewayRouteDeps {
  site: Site;
  registry: GatewayRegistry;
  state: LiveState;
  diagnostics: GatewayDiagnostics;
  access: AccessService;
  /** Called after a revocation, so the broker drops the gateway now rather than at its next re-check. */
  onCredentialsRevoked?: () => Promise<unknown>;
}

const ParamsSchema = z.object({ id: z.string().min(1).max(200) });
const errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

function infoOf(g: RegisteredGateway): Omit<GatewayDiagnosticsView['gateway'], 'state' | 'lastSeen'> {
  return { id: g.id, tech: g.tech, format: g.format, floor: g.floor, x: g.x, y: g.y, room: g.room, topic: g.topic ?? gatewayReadsTopic(g.id) };
}

export function gatewayRoutes(deps: GatewayRouteDeps): FastifyPluginAsyncZod {
  const { site, registry, state, diagnostics, access } = deps;
  return async (app) => {
    app.get('/api/gateways/:id', {
      config: { auth: 'map:view' },
      schema: {
        tags: ['gateways'], summary: 'Diagnostics of one gateway: state, rates, rejections, recent reads, failed payloads',
        params: ParamsSchema, response: { 200: GatewayDiagnosticsSchema, ...errors },
      },
    }, async (req) => {
      const g = registry.listGateways().find((r) => r.id === req.params.id);
      if (!g) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${req.params.id.slice(0, 64)}`);
      const view = diagnostics.view(infoOf(g));
      // A native gateway's retained status may be known to live state before any message reached the pipeline.
      if (view.stateSource === 'never') {
        const live = state.gateway(g.id);
        if (live) view.gateway = { ...view.gateway, state: live.state, lastSeen: live.lastSeen };
      }
      // A recent read places a tag near this gateway: a patient tag the viewer may not see is left out.
      const viewer = viewerOf(req);
      view.recentReads = view.recentReads.filter((r) => projectTag(viewer, state.summary(r.tag), access) !== null);
      return view;
    });

    app.post('/api/gateways', {
      config: { auth: 'registry:write' },
      schema: {
        tags: ['gateways'], summary: 'Create a gateway; answers with its MQTT credentials (the password is shown once)',
        body: GatewayCreateRequestSchema, response: { 201: GatewayCreateResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const b = req.body;
      const floor = site.floors.find((f) => f.summary.id === b.floor);
      if (!floor) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`floor: no floor ${JSON.stringify(b.floor)} in the site`]);
      if (!pointInPolygon([b.x, b.y], floor.outline.geometry.coordinates)) {
        throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`x: point (${b.x}, ${b.y}) is outside the outline of floor ${b.floor}`]);
      }
      if (b.room !== undefined && !floor.rooms.some((r) => r.properties.id === b.room)) {
        throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`room: no room ${JSON.stringify(b.room)} on floor ${b.floor}`]);
      }
      if (b.door !== undefined && !floor.doors.some((d) => d.properties.id === b.door)) {
        throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`door: no door ${JSON.stringify(b.door)} on floor ${b.floor}`]);
      }
      const techOk = b.format === 'native'
        || (b.tech === 'ble') === ['minew-jsonlong', 'moko-mkgw', 'espresense', 'openmqttgateway', 'ruuvi'].includes(b.format);
      if (!techOk) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`format: ${b.format} gateways are not ${b.tech} gateways`]);
      if (registry.listGateways().some((g) => g.id === b.id)) throw new RtlsError('RTLS_ERR_CONFLICT', `Gateway ${b.id} already exists`);
      access.record(viewerOf(req), 'change-registry', `gateway:${b.id}`, { detail: `create ${b.tech} ${b.format} on ${b.floor}` });
      const { gateway, credentials } = await registry.createGateway({
        id: b.id, tech: b.tech, format: b.format, floor: b.floor, x: b.x, y: b.y, mountHeightM: b.mountHeightM,
        ...(b.topic !== undefined ? { topic: b.topic } : {}), ...(b.mac !== undefined ? { mac: b.mac } : {}),
        ...(b.room !== undefined ? { room: b.room } : {}), ...(b.door !== undefined ? { door: b.door } : {}),
        ...(b.antennas !== undefined ? { antennas: b.antennas } : {}),
      });
      reply.code(201);
      return { gateway: { ...infoOf(gateway), state: null, lastSeen: null }, credentials };
    });

    app.delete('/api/gateways/:id/credentials', {
      config: { auth: 'registry:write' },
      schema: {
        tags: ['gateways'], summary: "Revoke a gateway's MQTT credentials: it cannot connect again and is disconnected",
        params: ParamsSchema, response: { 204: z.null(), ...errors },
      },
    }, async (req, reply) => {
      const id = req.params.id;
      if (!registry.listGateways().some((g) => g.id === id)) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${id.slice(0, 64)}`);
      access.record(viewerOf(req), 'change-registry', `gateway:${id}`, { detail: 'credentials revoked' });
      registry.revokeGatewayCredentials(id);
      await deps.onCredentialsRevoked?.();
      return reply.code(204).send(null);
    });
  };
}
