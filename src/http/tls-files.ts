import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../config/errors.js';

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface TlsMaterial {
  options: SecureContextOptions;
  // SHA-256 fingerprint of the served certificate, for the log.
  fingerprint: string;
}

function readPem(path: string, flag: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read the TLS ${what} file '${path}' (${flag}): ${(err as Error).message}`);
  }
}

// Reads and checks the certificate and key: each file readable and parseable, and the key the certificate's own.
export function loadTlsMaterial(tls: TlsSettings): TlsMaterial {
  const cert = readPem(tls.certFile, '--tls-cert', 'certificate');
  const key = readPem(tls.keyFile, '--tls-key', 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError(`the TLS certificate file '${tls.certFile}' (--tls-cert) holds no PEM certificate: ${(err as Error).message}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new ConfigError(`the TLS key file '${tls.keyFile}' (--tls-key) holds no PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new ConfigError(`the TLS key file '${tls.keyFile}' (--tls-key) does not match the certificate in '${tls.certFile}' (--tls-cert)`);
  }
  const options: SecureContextOptions = { cert, key, minVersion: tls.minVersion };
  try {
    createSecureContext(options);
  } catch (err) {
    throw new ConfigError(`cannot use the TLS certificate '${tls.certFile}' with the key '${tls.keyFile}': ${(err as Error).message}`);
  }
  return { options, fingerprint: x509.fingerprint256 };
}
