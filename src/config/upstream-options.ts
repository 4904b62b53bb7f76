// InfluxDB 3 Core `serve` options (influxdb3/src/commands/serve.rs and the structs it flattens) that belong to its
// object-store/Parquet/DataFusion/tokio design. They are accepted, so that a migrated systemd unit, compose file or
// Helm values starts, and named in one warning at start.
export interface NotApplicableOption {
  flag: string;
  env: string[];
  // A flag given alone (`--disable-parquet-mem-cache`), as clap's bool flags.
  bool?: boolean;
  aliases?: string[];
}

const o = (flag: string, env: string | null, bool = false, aliases?: string[]): NotApplicableOption =>
  ({ flag, env: env ? [env] : [], bool, aliases });

// The tokio runtime options of one runtime (influxdb3_clap_blocks/src/tokio.rs); threads are implemented.
const runtime = (name: 'io' | 'datafusion'): NotApplicableOption[] => {
  const env = (s: string): string => `INFLUXDB3_${name.toUpperCase()}_RUNTIME_${s}`;
  return [
    o(`${name}-runtime-type`, env('TYPE')),
    o(`${name}-runtime-disable-lifo-slot`, env('DISABLE_LIFO_SLOT')),
    o(`${name}-runtime-event-interval`, env('EVENT_INTERVAL')),
    o(`${name}-runtime-global-queue-interval`, env('GLOBAL_QUEUE_INTERVAL')),
    o(`${name}-runtime-max-blocking-threads`, env('MAX_BLOCKING_THREADS')),
    o(`${name}-runtime-max-io-events-per-tick`, env('MAX_IO_EVENTS_PER_TICK')),
    o(`${name}-runtime-thread-keep-alive`, env('THREAD_KEEP_ALIVE')),
    o(`${name}-runtime-thread-priority`, env('THREAD_PRIORITY')),
  ];
};

export const NOT_APPLICABLE_OPTIONS: NotApplicableOption[] = [
  // Parquet generations, WAL snapshots and the files upstream keeps in its object store.
  o('gen1-duration', 'INFLUXDB3_GEN1_DURATION'),
  o('gen1-lookback-duration', 'INFLUXDB3_GEN1_LOOKBACK_DURATION'),
  o('wal-snapshot-size', 'INFLUXDB3_WAL_SNAPSHOT_SIZE'),
  o('wal-max-write-buffer-size', 'INFLUXDB3_WAL_MAX_WRITE_BUFFER_SIZE'),
  o('wal-replay-fail-on-error', 'INFLUXDB3_WAL_REPLAY_FAIL_ON_ERROR', true),
  o('wal-replay-concurrency-limit', 'INFLUXDB3_WAL_REPLAY_CONCURRENCY_LIMIT'),
  o('snapshotted-wal-files-to-keep', 'INFLUXDB3_NUM_WAL_FILES_TO_KEEP'),
  o('snapshot-concurrency-limit', 'INFLUXDB3_SNAPSHOT_CONCURRENCY_LIMIT'),
  o('checkpoint-interval', 'INFLUXDB3_CHECKPOINT_INTERVAL'),
  o('force-snapshot-mem-threshold', 'INFLUXDB3_FORCE_SNAPSHOT_MEM_THRESHOLD'),
  o('table-index-cache-max-entries', 'INFLUXDB3_TABLE_INDEX_CACHE_MAX_ENTRIES'),
  o('table-index-cache-concurrency-limit', 'INFLUXDB3_TABLE_INDEX_CACHE_CONCURRENCY_LIMIT'),
  o('query-file-limit', 'INFLUXDB3_QUERY_FILE_LIMIT'),
  o('parquet-mem-cache-size', 'INFLUXDB3_PARQUET_MEM_CACHE_SIZE'),
  o('parquet-mem-cache-prune-percentage', 'INFLUXDB3_PARQUET_MEM_CACHE_PRUNE_PERCENTAGE'),
  o('parquet-mem-cache-prune-interval', 'INFLUXDB3_PARQUET_MEM_CACHE_PRUNE_INTERVAL'),
  o('parquet-mem-cache-query-path-duration', 'INFLUXDB3_PARQUET_MEM_CACHE_QUERY_PATH_DURATION'),
  o('disable-parquet-mem-cache', 'INFLUXDB3_DISABLE_PARQUET_MEM_CACHE', true),
  o('last-cache-eviction-interval', 'INFLUXDB3_LAST_CACHE_EVICTION_INTERVAL'),
  o('distinct-cache-eviction-interval', 'INFLUXDB3_DISTINCT_CACHE_EVICTION_INTERVAL'),
  // DataFusion (queries run on DuckDB here).
  o('datafusion-max-parquet-fanout', 'INFLUXDB3_DATAFUSION_MAX_PARQUET_FANOUT'),
  o('datafusion-use-cached-parquet-loader', 'INFLUXDB3_DATAFUSION_USE_CACHED_PARQUET_LOADER'),
  o('datafusion-config', 'INFLUXDB3_DATAFUSION_CONFIG'),
  ...runtime('datafusion'),
  ...runtime('io'),
  // Object store (ObjectStoreConfig): only its `object-store` and `data-dir` apply.
  o('bucket', 'INFLUXDB3_BUCKET'),
  o('aws-access-key-id', 'AWS_ACCESS_KEY_ID'),
  o('aws-secret-access-key', 'AWS_SECRET_ACCESS_KEY'),
  o('aws-default-region', 'AWS_DEFAULT_REGION'),
  o('aws-endpoint', 'AWS_ENDPOINT'),
  o('aws-session-token', 'AWS_SESSION_TOKEN'),
  o('aws-allow-http', 'AWS_ALLOW_HTTP', true),
  o('aws-skip-signature', 'AWS_SKIP_SIGNATURE', true),
  o('aws-credentials-file', 'AWS_CREDENTIALS_FILE'),
  o('google-service-account', 'GOOGLE_SERVICE_ACCOUNT'),
  o('azure-storage-account', 'AZURE_STORAGE_ACCOUNT'),
  o('azure-storage-access-key', 'AZURE_STORAGE_ACCESS_KEY'),
  o('azure-endpoint', 'AZURE_ENDPOINT'),
  o('azure-allow-http', 'AZURE_ALLOW_HTTP', true),
  o('object-store-cache-endpoint', 'INFLUXDB3_OBJECT_STORE_CACHE_ENDPOINT'),
  o('object-store-connection-limit', 'INFLUXDB3_OBJECT_STORE_CONNECTION_LIMIT'),
  o('object-store-http2-only', 'INFLUXDB3_OBJECT_STORE_HTTP2_ONLY', true),
  o('object-store-http2-max-frame-size', 'INFLUXDB3_OBJECT_STORE_HTTP2_MAX_FRAME_SIZE'),
  o('object-store-max-retries', 'INFLUXDB3_OBJECT_STORE_MAX_RETRIES'),
  o('object-store-request-timeout', 'INFLUXDB3_OBJECT_STORE_REQUEST_TIMEOUT'),
  o('object-store-retry-timeout', 'INFLUXDB3_OBJECT_STORE_RETRY_TIMEOUT'),
  o('object-store-tls-allow-insecure', 'INFLUXDB3_OBJECT_STORE_TLS_ALLOW_INSECURE', true),
  o('object-store-tls-ca', 'INFLUXDB3_OBJECT_STORE_TLS_CA'),
  // Tracing (Jaeger) and tokio-console.
  o('traces-exporter', 'TRACES_EXPORTER'),
  o('traces-exporter-jaeger-agent-host', 'TRACES_EXPORTER_JAEGER_AGENT_HOST'),
  o('traces-exporter-jaeger-agent-port', 'TRACES_EXPORTER_JAEGER_AGENT_PORT'),
  o('traces-exporter-jaeger-service-name', 'TRACES_EXPORTER_JAEGER_SERVICE_NAME'),
  o('traces-exporter-jaeger-trace-context-header-name', 'TRACES_EXPORTER_JAEGER_TRACE_CONTEXT_HEADER_NAME'),
  o('traces-jaeger-debug-name', 'TRACES_EXPORTER_JAEGER_DEBUG_NAME'),
  o('traces-jaeger-tags', 'TRACES_EXPORTER_JAEGER_TAGS'),
  o('traces-jaeger-max-msgs-per-second', 'TRACES_JAEGER_MAX_MSGS_PER_SECOND'),
  o('tokio-console-enabled', 'TOKIO_CONSOLE_ENABLED', true),
  o('tokio-console-event-buffer-capacity', 'TOKIO_CONSOLE_EVENT_BUFFER_CAPACITY'),
  o('tokio-console-client-buffer-capacity', 'TOKIO_CONSOLE_CLIENT_BUFFER_CAPACITY'),
  // Upstream internals: log filter expansion, test hooks, how serve was invoked.
  o('disable-log-filter-noise-reduction', 'INFLUXDB3_DISABLE_LOG_FILTER_NOISE_REDUCTION', true),
  o('test-mode', null, true),
  o('tcp-listener-file-path', 'INFLUXDB3_TCP_LISTINER_FILE_PATH'),
  o('admin-token-recovery-tcp-listener-file-path', 'INFLUXDB3_ADMIN_TOKEN_RECOVERY_TCP_LISTENER_FILE_PATH'),
  o('serve-invocation-method', 'INFLUXDB3_SERVE_INVOCATION_METHOD'),
];

// Variables with names that other software sets as well (an EC2 host's AWS_DEFAULT_REGION): counted only when
// the package's launcher set them from the conffile, never when merely present in the environment.
export function isGenericEnv(name: string): boolean {
  return /^(AWS|AZURE|GOOGLE|TOKIO_CONSOLE)_/.test(name);
}

export function notApplicableByFlag(name: string): NotApplicableOption | undefined {
  return NOT_APPLICABLE_OPTIONS.find((n) => n.flag === name || n.aliases?.includes(name));
}
