// The consortium's trust anchors for node-to-node calls (docs/tls.md): the
// PEM CA bundle named by network.json's tlsCa, read once when the node opens.
// Every bundle entry must parse as an X.509 certificate, so a typo or a key
// file given by mistake stops the node instead of trusting nothing (or
// everything) silently.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CareLedgerError } from '../../errors/index.js';
import type { NetworkSettings } from './network-config.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The bundle's bytes, checked: at least one certificate, each a CA. */
export function readTrustAnchors(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (cause) {
    throw new CareLedgerError('NOT_FOUND', 'cannot read the consortium CA bundle (tlsCa)', { field: 'tlsCa', cause });
  }
  const blocks = pem.toString('utf8').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new CareLedgerError('MALFORMED', 'the consortium CA bundle holds no PEM certificate', { field: 'tlsCa' });
  for (const block of blocks) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (cause) {
      throw new CareLedgerError('MALFORMED', 'the consortium CA bundle holds a certificate that does not parse', { field: 'tlsCa', cause });
    }
    if (!cert.ca) throw new CareLedgerError('MALFORMED', 'the consortium CA bundle holds a certificate that is not a CA', { field: 'tlsCa' });
  }
  return pem;
}

/** The trust anchors of a network node, or undefined when network.json names none. */
export function trustAnchorsOf(dataDir: string, settings: NetworkSettings | undefined): Buffer | undefined {
  const file = settings?.tlsCa;
  if (file === undefined) return undefined;
  return readTrustAnchors(isAbsolute(file) ? file : join(dataDir, file));
}
