// The supply-chain section of `careledger demo --network N` (N >= 3): org1
// becomes a manufacturer, org2 a wholesaler, org3 a pharmacy (governance
// proposals, approved by a majority), each gets a supply member with a key
// file, and then, through each organisation's own node as any client would:
// register a product, commission three packs, ship to the wholesaler, who
// receives and ships one pack on to the pharmacy, which receives, dispenses
// it and verifies both. Prints the `careledger supply` commands to retry.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { proposalIdForTx } from '../contracts/governance/index.js';
import { generateSigningKey, signingKeyToPem, type SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { signTx } from '../ledger/index.js';
import { loadSigningKey, writePrivateFile } from '../node/index.js';
import { formatElementString } from '../supplychain/index.js';
import { memberAccessToken, requestJson, submitTx } from './demo-http.js';

interface DemoOrg {
  orgId: string;
  endpoint: string;
  adminKeyFile: string;
  /** The development CA the node's https: certificate chains to (demo --network with TLS). */
  ca?: Buffer | undefined;
}

const GTIN = '09506000134352';
const LOT = 'DEMO01';
const EXPIRY = '301231';
const ROLES = [
  { trading: 'manufacturer', member: 'manufacturer' },
  { trading: 'wholesaler', member: 'distributor' },
  { trading: 'dispenser', member: 'pharmacist' },
] as const;

/** Submits at `org`'s node and waits for commit; the consortium's one order puts it after everything committed before. */
function tx(org: DemoOrg, key: SigningKey, networkId: string, contract: string, action: string, args: Record<string, unknown>): Promise<string> {
  return submitTx(org.endpoint, signTx({ network: networkId, contract, action, args: args as never }, key), org.ca);
}

async function door(org: DemoOrg, key: SigningKey, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const token = await memberAccessToken(org.endpoint, key, 'system/Medication.rs', org.ca);
  // A shipment another node just committed may take a moment to reach this one: a 404 is retried briefly.
  for (let attempt = 0; attempt < 20; attempt++) {
    const out = await doorOnce(org, token, method, path, body);
    if (out !== undefined) return out;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new CareLedgerError('UNAVAILABLE', `supply ${path}: still not found`);
}

async function doorOnce(org: DemoOrg, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  const res = await requestJson(`${org.endpoint}/supplychain/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ca: org.ca,
  });
  const json = res.json;
  if (res.status === 404) return undefined;
  if (res.status < 200 || res.status > 299) throw new CareLedgerError('INTERNAL', `supply ${path}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}

/** Runs the supply-chain walk-through on the first three organisations; returns lines to print. */
export async function runSupplyDemo(networkId: string, orgs: readonly DemoOrg[], dir: string): Promise<string[]> {
  const [mfr, whs, pha] = orgs as [DemoOrg, DemoOrg, DemoOrg];
  const admins = orgs.map((o) => loadSigningKey(o.adminKeyFile));
  const members: SigningKey[] = [];
  const keyFiles: string[] = [];
  for (const [i, role] of ROLES.entries()) {
    const org = orgs[i] as DemoOrg;
    const admin = admins[i] as SigningKey;
    const proposal = await tx(org, admin, networkId, 'governance', 'propose', { kind: 'set-trading-roles', payload: { orgId: org.orgId, roles: [role.trading] } });
    const approvers = orgs.map((o, j) => ({ o, j })).filter(({ j }) => j !== i).slice(0, Math.floor(orgs.length / 2));
    for (const { o, j } of approvers) await tx(o, admins[j] as SigningKey, networkId, 'governance', 'approve', { proposalId: proposalIdForTx(proposal) });
    const member = generateSigningKey();
    const keyFile = join(dir, `${org.orgId}-${role.member}.pem`);
    writePrivateFile(keyFile, signingKeyToPem(member));
    await tx(org, admin, networkId, 'identity', 'register-member', { memberId: `${org.orgId}-${role.member}`, roles: [role.member], keys: [member.keyId] });
    members.push(member);
    keyFiles.push(keyFile);
  }
  const [mKey, wKey, pKey] = members as [SigningKey, SigningKey, SigningKey];
  const serials = Array.from({ length: 3 }, () => `D${randomBytes(6).toString('hex').toUpperCase()}`);
  const scan = (serial: string) => formatElementString({ gtin: GTIN, lot: LOT, expiry: EXPIRY, serial });
  await door(mfr, mKey, 'POST', '/products', { gtin: GTIN, name: 'Demo amoxicillin 500 mg capsules' });
  await door(mfr, mKey, 'POST', '/commission', { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials });
  const toWhs = (await door(mfr, mKey, 'POST', '/shipments', { to: whs.orgId, objects: serials.map(scan) }))['shipmentId'] as string;
  await door(whs, wKey, 'POST', `/shipments/${toWhs}/receive`);
  const toPha = (await door(whs, wKey, 'POST', '/shipments', { to: pha.orgId, objects: [scan(serials[0] as string)] }))['shipmentId'] as string;
  await door(pha, pKey, 'POST', `/shipments/${toPha}/receive`);
  await door(pha, pKey, 'POST', '/decommission', { scans: [scan(serials[0] as string)], reason: 'dispensed' });
  const dispensed = (await door(pha, pKey, 'POST', '/verify', { scan: scan(serials[0] as string) }))['answer'];
  const atWhs = (await door(whs, wKey, 'POST', '/verify', { scan: scan(serials[1] as string) }))['answer'];
  const q = (s: string) => `'${s}'`;
  const dl = (serial: string) => `https://id.gs1.org/01/${GTIN}/10/${LOT}/21/${serial}?17=${EXPIRY}`;
  return [
    `supply chain: ${mfr.orgId} manufacturer, ${whs.orgId} wholesaler, ${pha.orgId} pharmacy; commissioned ${serials.join(', ')};`,
    `  shipped to ${whs.orgId} (${toWhs}), one pack on to ${pha.orgId} (${toPha}), dispensed there: verify says ${String(dispensed)}; at ${whs.orgId} another says ${String(atWhs)}`,
    'try:',
    `  careledger supply verify --key ${keyFiles[2]} --url ${pha.endpoint} --scan ${q(dl(serials[0] as string))}`,
    `  careledger supply events --key ${keyFiles[2]} --url ${pha.endpoint} --epc ${q(dl(serials[0] as string))}`,
    `  careledger supply ship   --key ${keyFiles[1]} --url ${whs.endpoint} --to ${pha.orgId} --objects ${q(dl(serials[1] as string))}`,
    `  careledger supply inbound --key ${keyFiles[2]} --url ${pha.endpoint}`,
    `  careledger supply alerts --key ${keyFiles[0]} --url ${mfr.endpoint}`,
  ];
}
