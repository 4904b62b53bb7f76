import { expect } from 'chai';
import { loadServeConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

const base = { objectStore: 'memory' } as const;

describe('config: TLS options', () => {
  it('is off by default and reads --tls-cert/--tls-key/--tls-minimum-version', () => {
    expect(loadServeConfig({ flags: { ...base }, env: {} }).tls).to.equal(null);
    const config = loadServeConfig({ flags: { ...base, tlsCert: '/c.pem', tlsKey: '/k.pem', tlsMinimumVersion: 'tls-1.3' }, env: {} });
    expect(config.tls).to.deep.equal({ certFile: '/c.pem', keyFile: '/k.pem', minVersion: 'TLSv1.3' });
  });

  it("reads upstream's environment variables, defaulting to TLS 1.2", () => {
    const config = loadServeConfig({ flags: { ...base }, env: { INFLUXDB3_TLS_CERT: '/c.pem', INFLUXDB3_TLS_KEY: '/k.pem' } });
    expect(config.tls).to.deep.equal({ certFile: '/c.pem', keyFile: '/k.pem', minVersion: 'TLSv1.2' });
    expect(loadServeConfig({ flags: { ...base }, env: { INFLUXDB3_TLS_CERT: '/c', INFLUXDB3_TLS_KEY: '/k', INFLUXDB3_TLS_MINIMUM_VERSION: 'tls-1.3' } }).tls!.minVersion).to.equal('TLSv1.3');
  });

  it('refuses a certificate without a key and a key without a certificate, naming the file', () => {
    expect(() => loadServeConfig({ flags: { ...base, tlsCert: '/etc/c.pem' }, env: {} })).to.throw(ConfigError, /'\/etc\/c\.pem'.*--tls-key/);
    expect(() => loadServeConfig({ flags: { ...base }, env: { INFLUXDB3_TLS_KEY: '/etc/k.pem' } })).to.throw(ConfigError, /'\/etc\/k\.pem'.*INFLUXDB3_TLS_KEY.*--tls-cert/);
  });

  it('refuses an unknown minimum version, naming the value', () => {
    expect(() => loadServeConfig({ flags: { ...base, tlsMinimumVersion: 'tls-1.1' }, env: {} })).to.throw(ConfigError, /'tls-1\.1'.*tls-1\.2, tls-1\.3/);
  });
});
