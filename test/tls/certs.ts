// Test PKI with the openssl CLI: a CA (ECDSA P-256) and leaf certificates it
// signs, for 127.0.0.1/localhost, as server, client or both. Every key and
// certificate is a PEM file in the given directory.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  name: string;
  certFile: string;
  keyFile: string;
}

export interface Leaf {
  certFile: string;
  keyFile: string;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCa(dir: string, name: string): TestCa {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { dir, name, certFile, keyFile };
}

/** A leaf for CN `cn` signed by `ca`, valid for 127.0.0.1 and localhost. */
export function makeLeaf(ca: TestCa, cn: string, usage: 'serverAuth' | 'clientAuth' | 'serverAuth,clientAuth' = 'serverAuth,clientAuth', out = cn): Leaf {
  const keyFile = join(ca.dir, `${out}.key`);
  const csr = join(ca.dir, `${out}.csr`);
  const certFile = join(ca.dir, `${out}.crt`);
  const ext = join(ca.dir, `${out}.ext`);
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext]);
  return { certFile, keyFile };
}
