// `careledger supply ...`: a trading partner's commands against its own
// node's /supplychain/v1 door. The member's Ed25519 key (a member with a
// supply role: manufacturer, distributor or pharmacist) gets a five-minute
// token (SMART backend services) and the node signs for its organisation.
// Output: the door's JSON reply on stdout; a refusal exits non-zero.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CareLedgerError, isResultCode } from '../errors/index.js';
import { loadSigningKey } from '../node/index.js';
import { memberAccessToken } from './demo.js';

interface Common {
  key: string;
  url: string;
}

/** A list from `a,b,c` or `@file` (one per line). */
function listOf(text: string): string[] {
  const raw = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8').split(/\r?\n/) : text.split(',');
  return raw.map((s) => s.trim()).filter((s) => s !== '');
}

async function callDoor(o: Common, method: 'GET' | 'POST', path: string, body?: unknown): Promise<void> {
  const url = o.url.replace(/\/+$/, '');
  const token = await memberAccessToken(url, loadSigningKey(o.key), 'system/Medication.rs');
  const res = await fetch(`${url}/supplychain/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(120_000),
  });
  const reply = (await res.json()) as { error?: { code?: string; message?: string; field?: string } };
  process.stdout.write(JSON.stringify(reply, null, 2) + '\n');
  if (!res.ok) {
    const code = reply.error?.code ?? '';
    throw new CareLedgerError(isResultCode(code) ? code : 'INTERNAL', reply.error?.message ?? `HTTP ${res.status}`);
  }
}

/** Adds --key and --url to a subcommand. */
function door(cmd: Command): Command {
  return cmd.requiredOption('--key <file>', "a supply member's Ed25519 key (PKCS#8 PEM)").option('--url <url>', "your organisation's node URL", 'http://127.0.0.1:8080');
}

export function registerSupply(program: Command): void {
  const supply = program.command('supply').description('pharmaceutical supply chain: commission, ship, receive, verify, dispense (docs/supplychain.md)');
  door(supply.command('product').description('register a product (GTIN; the master data stays with you, the ledger gets a commitment)'))
    .requiredOption('--gtin <gtin>', 'GTIN-14')
    .requiredOption('--name <name>', 'product name')
    .option('--strength <s>')
    .option('--form <f>')
    .option('--ndc <ndc>', 'NDC, e.g. 12345-678-90')
    .action((o: Common & { gtin: string; name: string; strength?: string; form?: string; ndc?: string }) =>
      callDoor(o, 'POST', '/products', { gtin: o.gtin, name: o.name, strength: o.strength, form: o.form, ndc: o.ndc }));
  door(supply.command('commission').description('commission serialised packs of one lot'))
    .requiredOption('--gtin <gtin>')
    .requiredOption('--lot <lot>')
    .requiredOption('--expiry <yymmdd>')
    .requiredOption('--serials <list>', 'a,b,c or @file with one serial per line')
    .action((o: Common & { gtin: string; lot: string; expiry: string; serials: string }) =>
      callDoor(o, 'POST', '/commission', { gtin: o.gtin, lot: o.lot, expiry: o.expiry, serials: listOf(o.serials) }));
  door(supply.command('aggregate').description('pack scanned packs or cases into a case or pallet (SSCC)'))
    .requiredOption('--sscc <sscc>')
    .requiredOption('--children <scans>', 'scans (element strings, (01)..(21).. or Digital Links): a,b or @file')
    .action((o: Common & { sscc: string; children: string }) => callDoor(o, 'POST', '/aggregate', { sscc: o.sscc, children: listOf(o.children) }));
  door(supply.command('ship').description('ship scanned packs or containers to another trading partner'))
    .requiredOption('--to <org>')
    .requiredOption('--objects <scans>', 'a,b or @file')
    .action((o: Common & { to: string; objects: string }) => callDoor(o, 'POST', '/shipments', { to: o.to, objects: listOf(o.objects) }));
  door(supply.command('inbound').description('shipments on their way to you')).action((o: Common) => callDoor(o, 'GET', '/shipments/inbound'));
  door(supply.command('receive').description('confirm receipt of a shipment'))
    .requiredOption('--shipment <id>')
    .action((o: Common & { shipment: string }) => callDoor(o, 'POST', `/shipments/${encodeURIComponent(o.shipment)}/receive`));
  door(supply.command('verify').description('verify a scanned pack'))
    .requiredOption('--scan <scan>', 'element string, (01)..(21).. or a GS1 Digital Link')
    .action((o: Common & { scan: string }) => callDoor(o, 'POST', '/verify', { scan: o.scan }));
  door(supply.command('dispense').description('verify and decommission scanned packs as dispensed'))
    .requiredOption('--scans <scans>', 'a,b or @file')
    .option('--reason <reason>', 'dispensed | destroyed | stolen | sample | exported', 'dispensed')
    .action((o: Common & { scans: string; reason: string }) => callDoor(o, 'POST', '/decommission', { scans: listOf(o.scans), reason: o.reason }));
  door(supply.command('lot').description('recall, quarantine or release a lot of your product'))
    .requiredOption('--gtin <gtin>')
    .requiredOption('--lot <lot>')
    .requiredOption('--status <status>', 'recalled | quarantined | released')
    .action((o: Common & { gtin: string; lot: string; status: string }) => callDoor(o, 'POST', '/lots', { gtin: o.gtin, lot: o.lot, status: o.status }));
  door(supply.command('events').description("a pack's EPCIS events as your node holds them (EPCIS 2.0 query document)"))
    .requiredOption('--epc <epc>', 'an EPC URI, a GS1 Digital Link or a scan')
    .action((o: Common & { epc: string }) => callDoor(o, 'GET', `/epcis/events?epc=${encodeURIComponent(o.epc)}`));
  door(supply.command('alerts').description('failed verifications of your products')).action((o: Common) => callDoor(o, 'GET', '/alerts'));
  door(supply.command('capture').description('capture an EPCIS 2.0 JSON-LD document'))
    .requiredOption('--file <file>')
    .action((o: Common & { file: string }) => callDoor(o, 'POST', '/epcis/capture', JSON.parse(readFileSync(o.file, 'utf8')) as unknown));
}
