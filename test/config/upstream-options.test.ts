import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/config/load.js';
import { ORIGIN_ENV } from '../../src/config/origin.js';
import { SERVE_OPTIONS } from '../../src/config/schema.js';
import { NOT_APPLICABLE_OPTIONS } from '../../src/config/upstream-options.js';

// Every long flag and env var of upstream's `serve` (influxdb3/src/commands/serve.rs and the structs it flattens:
// ObjectStoreConfig, LoggingConfig, TracingConfig, TokioDatafusionConfig, TokioIoConfig, IoxQueryDatafusionConfig,
// ProcessingEngineConfig, NodeId), as of influxdata/influxdb d7834110b3.
const UPSTREAM_FLAGS = `admin-token-file admin-token-recovery-http-bind admin-token-recovery-tcp-listener-file-path aws-access-key-id
aws-allow-http aws-credentials-file aws-default-region aws-endpoint aws-secret-access-key aws-session-token aws-skip-signature
azure-allow-http azure-endpoint azure-storage-access-key azure-storage-account bucket checkpoint-interval cluster-id data-dir
datafusion-config datafusion-max-parquet-fanout datafusion-num-threads datafusion-runtime-disable-lifo-slot
datafusion-runtime-event-interval datafusion-runtime-global-queue-interval datafusion-runtime-max-blocking-threads
datafusion-runtime-max-io-events-per-tick datafusion-runtime-thread-keep-alive datafusion-runtime-thread-priority
datafusion-runtime-type datafusion-use-cached-parquet-loader delete-grace-period disable-authz disable-log-filter-noise-reduction
disable-parquet-mem-cache disable-telemetry-upload distinct-cache-eviction-interval exec-mem-pool-bytes
force-snapshot-mem-threshold gen1-duration gen1-lookback-duration google-service-account hard-delete-default-duration
host-id http-bind io-runtime-type last-cache-eviction-interval log-destination log-filter log-format max-concurrent-queries
max-http-request-size node-id node-id-from-env num-datafusion-threads num-io-threads num-threads object-store
object-store-cache-endpoint object-store-connection-limit object-store-http2-max-frame-size object-store-http2-only
object-store-max-retries object-store-request-timeout object-store-retry-timeout object-store-tls-allow-insecure
object-store-tls-ca package-manager parquet-mem-cache-prune-interval parquet-mem-cache-prune-percentage
parquet-mem-cache-query-path-duration parquet-mem-cache-size plugin-dir plugin-repo query-file-limit query-log-size
restrict-plugin-triggers-to retention-check-interval serve-invocation-method snapshot-concurrency-limit
snapshotted-wal-files-to-keep table-index-cache-concurrency-limit table-index-cache-max-entries tcp-listener-file-path
telemetry-endpoint test-mode tls-cert tls-key tls-minimum-version tokio-console-client-buffer-capacity
tokio-console-enabled tokio-console-event-buffer-capacity traces-exporter traces-exporter-jaeger-agent-host
traces-exporter-jaeger-agent-port traces-exporter-jaeger-service-name traces-exporter-jaeger-trace-context-header-name
traces-jaeger-debug-name traces-jaeger-max-msgs-per-second traces-jaeger-tags verbose virtual-env-location
wal-flush-interval wal-max-write-buffer-size wal-replay-concurrency-limit wal-replay-fail-on-error wal-snapshot-size
without-auth`.split(/\s+/);

const UPSTREAM_ENV = `INFLUXDB3_ADMIN_TOKEN_FILE INFLUXDB3_ADMIN_TOKEN_RECOVERY_HTTP_BIND_ADDR INFLUXDB3_EXEC_MEM_POOL_BYTES
INFLUXDB3_NUM_IO_THREADS INFLUXDB3_NUM_THREADS INFLUXDB3_NUM_DATAFUSION_THREADS INFLUXDB3_DATAFUSION_NUM_THREADS
INFLUXDB3_TELEMETRY_DISABLE_UPLOAD INFLUXDB3_TELEMETRY_ENDPOINT INFLUXDB3_HARD_DELETE_DEFAULT_DURATION
INFLUXDB3_DELETE_GRACE_PERIOD INFLUXDB3_NODE_IDENTIFIER_FROM_ENV INFLUXDB3_NODE_IDENTIFIER_PREFIX LOG_FILTER LOG_FORMAT
LOG_DESTINATION INFLUXDB3_GEN1_DURATION INFLUXDB3_PARQUET_MEM_CACHE_SIZE INFLUXDB3_WAL_SNAPSHOT_SIZE
INFLUXDB3_NUM_WAL_FILES_TO_KEEP INFLUXDB3_DATAFUSION_CONFIG INFLUXDB3_BUCKET AWS_ACCESS_KEY_ID
INFLUXDB3_OBJECT_STORE_CONNECTION_LIMIT TRACES_EXPORTER INFLUXDB3_TCP_LISTINER_FILE_PATH`.split(/\s+/);

const base = { objectStore: 'memory' } as const;

describe('config: upstream InfluxDB 3 serve options', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cfg-up-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('knows every upstream serve flag and environment variable', () => {
    const flags = new Set([...SERVE_OPTIONS.flatMap((o) => [o.flag, ...(o.aliases ?? [])]), ...NOT_APPLICABLE_OPTIONS.map((o) => o.flag)]);
    expect(UPSTREAM_FLAGS.filter((f) => !flags.has(f))).to.deep.equal([]);
    const envs = new Set([...SERVE_OPTIONS, ...NOT_APPLICABLE_OPTIONS].flatMap((o) => o.env));
    expect(UPSTREAM_ENV.filter((e) => !envs.has(e))).to.deep.equal([]);
  });

  it('names every not-applicable setting in one warning, as flag, variable or config key', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'object-store = "memory"\nwal-snapshot-size = 600\n');
    const c = loadServeConfig({
      flags: {},
      upstreamFlags: { 'gen1-duration': '10m', 'parquet-mem-cache-size': '2000', 'disable-parquet-mem-cache': true },
      env: { INFLUXDB3_DATAFUSION_CONFIG: 'a:1' },
      configFile: file,
    });
    expect(c.warnings).to.have.length(1);
    const w = c.warnings[0]!;
    expect(w).to.match(/^5 InfluxDB 3 settings not applicable to influxdb3-engine, ignored:/);
    for (const part of ['--gen1-duration', '--parquet-mem-cache-size', '--disable-parquet-mem-cache', 'environment variable INFLUXDB3_DATAFUSION_CONFIG', `config key 'wal-snapshot-size' in ${file}`]) {
      expect(w).to.include(part);
    }
  });

  it('gives no warning without such settings, and ignores generic cloud variables of the environment', () => {
    const c = loadServeConfig({ flags: base, env: { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x' } });
    expect(c.warnings).to.deep.equal([]);
  });

  it('stops on a cloud object store, saying where data is kept', () => {
    for (const store of ['s3', 'google', 'Azure']) {
      expect(() => loadServeConfig({ flags: { objectStore: store }, env: {} })).to.throw(
        new RegExp(`object store '${store.toLowerCase()}' \\(from --object-store\\) is not supported: influxdb3-engine stores data on local disk \\('file'`),
      );
    }
    expect(() => loadServeConfig({ flags: {}, env: { INFLUXDB3_OBJECT_STORE: 's3' } })).to.throw(/from environment variable INFLUXDB3_OBJECT_STORE/);
    expect(() => loadServeConfig({ flags: { objectStore: 'ftp' }, env: {} })).to.throw("invalid value 'ftp' for --object-store: expected one of memory, file");
    const t = loadServeConfig({ flags: { objectStore: 'memory-throttled' }, env: {} });
    expect(t.objectStore).to.equal('memory');
  });

  it('refuses --cluster-id as upstream Core does', () => {
    expect(() => loadServeConfig({ flags: { ...base, clusterId: 'c1' }, env: {} })).to.throw(/--cluster-id is an InfluxDB 3 Enterprise parameter/);
  });

  it('maps --exec-mem-pool-bytes and the thread counts to DuckDB settings', () => {
    const d = loadServeConfig({ flags: base, env: {} });
    expect(d.duckdbMemoryLimitBytes).to.equal(null);
    expect(d.duckdbThreads).to.equal(null);
    const c = loadServeConfig({ flags: { ...base, execMemPoolBytes: '512', numIoThreads: '3' }, env: {} });
    expect(loadServeConfig({ flags: { ...base, execMemPoolBytes: '50%' }, env: {} }).duckdbMemoryLimitBytes).to.be.greaterThan(0);
    expect(c.duckdbMemoryLimitBytes).to.equal(512 * 1024 * 1024);
    expect(c.duckdbThreads).to.equal(3);
    const e = loadServeConfig({ flags: base, env: { INFLUXDB3_EXEC_MEM_POOL_BYTES: '2GB', INFLUXDB3_NUM_IO_THREADS: '3', INFLUXDB3_DATAFUSION_NUM_THREADS: '2' } });
    expect(e.duckdbMemoryLimitBytes).to.equal(2 * 1024 ** 3);
    expect(e.duckdbThreads).to.equal(2);
    expect(() => loadServeConfig({ flags: { ...base, execMemPoolBytes: '120%' }, env: {} })).to.throw("invalid value '120%' for --exec-mem-pool-bytes");
    expect(() => loadServeConfig({ flags: { ...base, numDatafusionThreads: '0' }, env: {} })).to.throw("invalid value '0' for --num-datafusion-threads");
  });

  it('reads the recovery listener address, the delete durations, -v and node-id-from-env', () => {
    const d = loadServeConfig({ flags: base, env: {} });
    expect(d.adminTokenRecovery).to.equal(null);
    expect(d.hardDeleteDefaultMs).to.equal(72 * 3600_000);
    expect(d.deleteGracePeriodMs).to.equal(24 * 3600_000);
    const c = loadServeConfig({
      flags: { ...base, adminTokenRecoveryHttpBind: '127.0.0.1:9999', verbose: '2' },
      env: { INFLUXDB3_HARD_DELETE_DEFAULT_DURATION: '1h', INFLUXDB3_DELETE_GRACE_PERIOD: '10m', INFLUXDB3_NODE_IDENTIFIER_FROM_ENV: 'POD_NAME', POD_NAME: 'pod-7' },
    });
    expect(c.adminTokenRecovery).to.deep.equal({ host: '127.0.0.1', port: 9999 });
    expect(c.hardDeleteDefaultMs).to.equal(3600_000);
    expect(c.deleteGracePeriodMs).to.equal(600_000);
    expect(c.logFilter).to.equal('debug');
    expect(c.nodeId).to.equal('pod-7');
    expect(() => loadServeConfig({ flags: { ...base, adminTokenRecoveryHttpBind: 'here' }, env: {} })).to.throw(
      "invalid value 'here' for --admin-token-recovery-http-bind",
    );
  });

  it('accepts every --disable-authz value upstream accepts', () => {
    const c = loadServeConfig({ flags: { ...base, disableAuthz: 'health,ping,metrics,ready,pprof,node_stop' }, env: {} });
    expect(c.disableAuthz).to.deep.equal(['health', 'ping', 'metrics', 'ready', 'pprof', 'node_stop']);
    expect(() => loadServeConfig({ flags: { ...base, disableAuthz: 'health,writes' }, env: {} })).to.throw("invalid value 'health,writes' for --disable-authz");
  });

  it('accepts --disable-telemetry-upload and says at debug that nothing is sent', () => {
    const c = loadServeConfig({ flags: { ...base, disableTelemetryUpload: 'true' }, env: {} });
    expect(c.warnings).to.deep.equal([]);
    expect(c.debug.join('\n')).to.match(/sends none/);
  });

  it('names the config key and file, not the variable, for a value the launcher derived from the conffile', () => {
    const conf = '/etc/influxdb3/influxdb3-engine.conf';
    const origin = JSON.stringify({ file: conf, keys: { INFLUXDB3_MAX_HTTP_REQUEST_SIZE: 'max-http-request-size' }, notApplicable: ['gen1-duration'] });
    expect(() => loadServeConfig({ flags: base, env: { [ORIGIN_ENV]: origin, INFLUXDB3_MAX_HTTP_REQUEST_SIZE: 'big' } })).to.throw(
      `invalid value 'big' for config key 'max-http-request-size' in ${conf}`,
    );
    const c = loadServeConfig({ flags: base, env: { [ORIGIN_ENV]: origin } });
    expect(c.warnings[0]).to.include(`config key 'gen1-duration' in ${conf}`);
    expect(c.configFile).to.equal(conf);
    // A variable the operator set directly is named as such.
    expect(() => loadServeConfig({ flags: base, env: { [ORIGIN_ENV]: origin, INFLUXDB3_QUERY_LOG_SIZE: 'x' } })).to.throw(
      "for environment variable INFLUXDB3_QUERY_LOG_SIZE",
    );
  });

  it('suggests the closest known key for an unknown one in a config file', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'object-store = "memory"\nmax-http-request-sise = 100\n');
    expect(() => loadServeConfig({ flags: {}, env: {}, configFile: file })).to.throw(
      `unknown key 'max-http-request-sise' in config file ${file}; did you mean 'max-http-request-size'?`,
    );
    writeFileSync(file, 'completely-unrelated = 1\n');
    expect(() => loadServeConfig({ flags: {}, env: {}, configFile: file })).to.throw(/unknown key 'completely-unrelated' in config file [^;]*$/);
  });
});
