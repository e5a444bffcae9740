/**
 * Networks as Docker shows them (`GET /networks`, `GET /networks/{id}`) and
 * the create body → CreateNetworkOptions, with 400s naming the field.
 */
import { createHash } from 'node:crypto';
import type { CreateNetworkOptions, NetworkView } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, objectField, stringField, stringMapField, type Json } from './body-fields.js';
import { goMap } from './go-map.js';

const endpointId = (c: string, n: string) => createHash('sha256').update(`${c}/${n}`).digest('hex');

function ipamConfig(n: NetworkView): Array<Record<string, string>> {
  if (!n.subnet) return [];
  return [{ Subnet: n.subnet, ...(n.ipRange ? { IPRange: n.ipRange } : {}), Gateway: n.gateway }];
}

/** `withContainers`: inspect fills Containers (running containers only, as Docker); list leaves it empty. */
export function toNetworkJson(n: NetworkView, withContainers: boolean): Record<string, unknown> {
  const prefix = n.subnet.split('/')[1] ?? '';
  const containers = withContainers
    ? Object.fromEntries(
        n.containers
          .filter((c) => c.running)
          .map((c) => [
            c.id,
            {
              Name: c.name,
              EndpointID: endpointId(c.id, n.id),
              MacAddress: c.endpoint.mac,
              IPv4Address: c.endpoint.ip ? `${c.endpoint.ip}/${prefix}` : '',
              IPv6Address: '',
            },
          ]),
      )
    : {};
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: n.name === 'bridge' ? null : {}, Config: ipamConfig(n) },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: goMap(containers),
    Options: goMap(n.options),
    Labels: goMap(n.labels),
  };
}

/** `POST /networks/create` body. */
export function toCreateNetworkOptions(body: unknown): CreateNetworkOptions {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('invalid network config: a JSON object is required');
  const b = body as Json;
  const name = stringField(b, 'Name', 'Name');
  if (name === '') throw badRequest('network name is required');
  const ipam = objectField(b, 'IPAM', 'IPAM');
  const driver = stringField(ipam, 'Driver', 'IPAM.Driver');
  if (driver && driver !== 'default') throw badRequest(`IPAM.Driver: IPAM driver "${driver}" is not supported (only default)`);
  const config = ipam.Config ?? [];
  if (!Array.isArray(config)) throw badRequest('IPAM.Config must be a list');
  return {
    name,
    driver: stringField(b, 'Driver', 'Driver'),
    internal: boolField(b, 'Internal', 'Internal'),
    enableIPv6: boolField(b, 'EnableIPv6', 'EnableIPv6'),
    labels: stringMapField(b, 'Labels', 'Labels'),
    options: stringMapField(b, 'Options', 'Options'),
    ipam: (config as Json[]).map((c, i) => ({
      subnet: stringField(c ?? {}, 'Subnet', `IPAM.Config[${i}].Subnet`),
      gateway: stringField(c ?? {}, 'Gateway', `IPAM.Config[${i}].Gateway`),
      ipRange: stringField(c ?? {}, 'IPRange', `IPAM.Config[${i}].IPRange`),
    })),
  };
}

/** `POST /networks/create`'s answer. */
export const toNetworkCreateResponse = (id: string, warning: string) => ({ Id: id, Warning: warning });

/** `POST /networks/prune`'s answer: the names removed (null when none, as Docker). */
export const toNetworkPruneResponse = (names: string[]) => ({ NetworksDeleted: names.length ? names : null });
