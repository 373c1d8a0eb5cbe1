// Transactions signed in the browser, exactly as docs/wire-formats.md says:
// tx = {type, network, contract, action, args, signer, nonce, time},
// sig = Ed25519("careledger.tx/1\n" || JCS(tx)), envelope = {tx, sig},
// txId = hex SHA-256(JCS(tx)). Submitted with ?wait=commit.
import { randomBytes, sha256, toBase64Url, toHex, utf8 } from './bytes.js';
import { api, ApiError } from './http.js';
import { canonicalize } from './jcs.js';
import { sign, type KeyPair } from './keys.js';

export const TX_TYPE = 'careledger.tx/1';
export const TX_DOMAIN = 'careledger.tx/1\n';

export interface Tx {
  type: string;
  network: string;
  contract: string;
  action: string;
  args: Record<string, unknown>;
  signer: string;
  nonce: string;
  time: string;
}

export interface Envelope {
  tx: Tx;
  sig: string;
}

export const txIdOf = async (tx: Tx): Promise<string> => toHex(await sha256(utf8(canonicalize(tx))));

export async function signTx(key: KeyPair, network: string, contract: string, action: string, args: Record<string, unknown>, time = new Date()): Promise<Envelope> {
  const tx: Tx = { type: TX_TYPE, network, contract, action, args, signer: key.keyId, nonce: toBase64Url(randomBytes(16)), time: time.toISOString() };
  const sig = await sign(key.privateKey, utf8(TX_DOMAIN + canonicalize(tx)));
  return { tx, sig: toBase64Url(sig) };
}

export interface TxResult {
  txId: string;
  code: string;
  height: number;
  index: number;
}

/** Submits one envelope and waits for its commit; throws ApiError unless its result is OK. */
export async function submit(envelope: Envelope, path = '/ledger/v1/transactions?wait=commit', token?: string): Promise<TxResult> {
  const body = await api<{ results?: TxResult[] } & TxResult>(path, { body: envelope, token });
  const result = body.results?.[0] ?? body;
  if (result.code !== undefined && result.code !== 'OK') throw new ApiError(200, result.code, `the transaction was ordered but refused: ${result.code}`);
  return result;
}

let networkId: string | undefined;
/** This node's network id (public). */
export async function network(): Promise<string> {
  networkId ??= (await api<{ networkId: string }>('/ledger/v1/node')).networkId;
  return networkId;
}
