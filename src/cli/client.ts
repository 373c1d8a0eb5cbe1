// `careledger keys new` and `careledger tx`: client-side key handling and
// building, signing and submitting one transaction.
import { readFileSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { generateSigningKey, signingKeyToPem } from '../crypto/index.js';
import { signTx } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { loadSigningKey, writePrivateFile } from '../node/index.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage Ed25519 signing keys');
  keys
    .command('new')
    .description('create a new Ed25519 key (PKCS#8 PEM, mode 0600) and print its key id')
    .requiredOption('--out <file>', 'where to write the private key')
    .action((o: { out: string }) => {
      if (existsSync(o.out)) throw new CareLedgerError('ALREADY_EXISTS', `${o.out} exists; refusing to overwrite a key`);
      const key = generateSigningKey();
      writePrivateFile(o.out, signingKeyToPem(key));
      process.stdout.write(`${key.keyId}\n`);
    });
  keys
    .command('show')
    .description('print the key id of a private key file')
    .argument('<file>')
    .action((file: string) => {
      process.stdout.write(`${loadSigningKey(file).keyId}\n`);
    });
}

function parseArgs(text: string): Record<string, unknown> {
  const source = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', '--args is not valid JSON', { field: 'args', cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CareLedgerError('MALFORMED', '--args must be a JSON object', { field: 'args' });
  }
  return value as Record<string, unknown>;
}

export function registerTx(program: Command): void {
  program
    .command('tx')
    .description('build, sign and submit a transaction; prints the committed result')
    .requiredOption('--key <file>', 'signing key (PKCS#8 PEM)')
    .requiredOption('--contract <name>', 'contract, e.g. identity')
    .requiredOption('--action <name>', 'action, e.g. register-member')
    .option('--args <json>', 'action arguments as JSON, or @file', '{}')
    .option('--url <url>', 'node URL', 'http://127.0.0.1:8080')
    .option('--network <id>', 'network id (default: asked from the node)')
    .option('--print', 'print the signed envelope instead of submitting it')
    .action(async (o: { key: string; contract: string; action: string; args: string; url: string; network?: string; print?: boolean }) => {
      const key = loadSigningKey(o.key);
      const args = parseArgs(o.args);
      const network = o.network ?? ((await (await fetch(new URL('/ledger/v1/node', o.url))).json()) as { networkId: string }).networkId;
      const envelope = signTx({ network, contract: o.contract, action: o.action, args }, key);
      if (o.print) {
        process.stdout.write(JSON.stringify(envelope) + '\n');
        return;
      }
      const res = await fetch(new URL('/ledger/v1/transactions?wait=commit', o.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
      });
      const body = (await res.json()) as { results?: Array<{ code: string }> };
      process.stdout.write(JSON.stringify(body) + '\n');
      const code = body.results?.[0]?.code;
      if (!res.ok || code !== 'OK') process.exitCode = 1;
    });
}
