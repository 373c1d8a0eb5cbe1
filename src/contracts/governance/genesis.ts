// governance/genesis: the first transaction of a network. Writes the network
// configuration, the founding organisations and their admin and node keys.
import { defineAction, refuse, type ExecContext } from '../../ledger/contract.js';
import {
  DEFAULT_POLICIES,
  DEFAULT_TIME_WINDOW_MS,
  NETWORK_CONFIG_KEY,
  NETWORK_NAMESPACE,
  getKeyRecord,
  getNetworkConfig,
  type NetworkConfig,
  type OrgRecord,
  type Policies,
} from './records.js';
import { genesisArgs, type OrgInput } from './schemas.js';
import { putOrg, putNewKey } from './records.js';

/** Writes an active org record and registers its admin and node keys. */
export function writeNewOrg(ctx: ExecContext, input: OrgInput): OrgRecord {
  const org: OrgRecord = {
    orgId: input.orgId,
    name: input.name,
    adminKeys: [...input.adminKeys],
    nodeKeys: [...input.nodeKeys],
    hpkePublicKey: input.hpkePublicKey,
    endpoint: input.endpoint,
    ...(input.tlsPins === undefined ? {} : { tlsPins: [...input.tlsPins] }),
    status: 'active',
    since: ctx.height,
  };
  putOrg(ctx.state, org);
  for (const k of input.adminKeys) putNewKey(ctx.state, k, 'org-admin', input.orgId, ctx.height);
  for (const k of input.nodeKeys) putNewKey(ctx.state, k, 'node', input.orgId, ctx.height);
  return org;
}

/** Drops absent optional fields so only JSON values reach state. */
export function mergePolicies(base: Policies, patch: { [K in keyof Policies]?: Policies[K] | undefined } | undefined): Policies {
  return {
    admitOrg: patch?.admitOrg ?? base.admitOrg,
    removeOrg: patch?.removeOrg ?? base.removeOrg,
    changePolicy: patch?.changePolicy ?? base.changePolicy,
  };
}

/**
 * Signer: any key listed among the founding admin keys (the registry is empty
 * before genesis, hence signer 'any'). ALREADY_EXISTS once a config exists;
 * WRONG_NETWORK if args.networkId is not the transaction's network.
 */
export const genesis = defineAction({
  args: genesisArgs,
  signer: 'any',
  authorize(ctx, args) {
    if (getNetworkConfig(ctx.state) !== undefined) return refuse('ALREADY_EXISTS', 'network already has a genesis');
    if (args.networkId !== ctx.network) return refuse('WRONG_NETWORK', 'networkId differs from the transaction network');
    if (!args.orgs.some((o) => o.adminKeys.includes(ctx.signer))) {
      return refuse('UNAUTHORIZED', 'signer is not a founding admin key');
    }
    const taken = args.orgs.flatMap((o) => [...o.adminKeys, ...o.nodeKeys]).find((k) => getKeyRecord(ctx.state, k));
    if (taken !== undefined) return refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
    return undefined;
  },
  apply(ctx, args) {
    const config: NetworkConfig = {
      networkId: args.networkId,
      timeWindowMs: args.timeWindowMs ?? DEFAULT_TIME_WINDOW_MS,
      policies: mergePolicies(DEFAULT_POLICIES, args.policies),
      configVersion: 1,
    };
    ctx.state.put(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY, config);
    for (const org of args.orgs) writeNewOrg(ctx, org);
    ctx.emit('network-created', { networkId: args.networkId, orgIds: args.orgs.map((o) => o.orgId), configVersion: 1 });
    return undefined;
  },
});
