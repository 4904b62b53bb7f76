// Every `serve` option in one table: flag, environment variables, TOML key, default and validation.
// memsize: upstream's MemorySizeMb (a plain number is megabytes; also 20%, 512MB, 2GB, 1048576b).
export type OptionKind = 'string' | 'int' | 'bool' | 'duration' | 'enum' | 'list' | 'bytes' | 'memsize' | 'count';

export interface OptionSpec {
  key: keyof ServeConfigRaw;
  flag: string; // long flag without `--`; also the TOML key
  aliases?: string[];
  env: string[];
  kind: OptionKind;
  choices?: string[];
  default?: string;
  // The value of a flag given alone (upstream's num_args = 0..=1).
  bare?: string;
  // Single-letter flag (-v).
  short?: string;
  help: string;
}

// The raw (string) form of the configuration, before typing.
export interface ServeConfigRaw {
  httpBind: string;
  objectStore: string;
  dataDir: string;
  nodeId: string;
  nodeIdFromEnv: string;
  pluginDir: string;
  virtualEnvLocation: string;
  python: string;
  packageManager: string;
  pluginRepo: string;
  restrictPluginTriggersTo: string;
  pluginDirOnly: string;
  walFlushInterval: string;
  maxHttpRequestSize: string;
  withoutAuth: string;
  adminTokenFile: string;
  disableAuthz: string;
  disableUi: string;
  maxConcurrentQueries: string;
  queryLogSize: string;
  logFilter: string;
  logFormat: string;
  logDestination: string;
  pluginTimeout: string;
  pluginMemoryLimit: string;
  retentionCheckInterval: string;
  httpHeadersTimeout: string;
  httpRequestTimeout: string;
  pluginSandbox: string;
  pluginNetwork: string;
  pluginCpuLimit: string;
  pluginMaxProcesses: string;
  pluginEnvDeny: string;
  pluginEnvAllow: string;
  pluginWalBacklogMax: string;
  pluginWritablePaths: string;
  pluginRunnerIdleTimeout: string;
  pluginRequestRunnerIdleTimeout: string;
  tlsCert: string;
  tlsKey: string;
  tlsMinimumVersion: string;
  adminTokenRecoveryHttpBind: string;
  execMemPoolBytes: string;
  numIoThreads: string;
  numDatafusionThreads: string;
  disableTelemetryUpload: string;
  telemetryEndpoint: string;
  hardDeleteDefaultDuration: string;
  deleteGracePeriod: string;
  verbose: string;
  clusterId: string;
  mode: string;
  upstreamUrl: string;
  upstreamToken: string;
  upstreamTokenFile: string;
  upstreamDatabaseMap: string;
  upstreamTlsCa: string;
  upstreamOrg: string;
  upstreamWriteApi: string;
  upstreamQueryApi: string;
  upstreamMaxBacklog: string;
  processLocalRetention: string;
}

export const SERVE_OPTIONS: OptionSpec[] = [
  { key: 'httpBind', flag: 'http-bind', env: ['INFLUXDB3_HTTP_BIND_ADDR'], kind: 'string', default: '0.0.0.0:8181', help: 'address:port the HTTP API listens on' },
  { key: 'objectStore', flag: 'object-store', env: ['INFLUXDB3_OBJECT_STORE'], kind: 'string', default: 'file', help: 'where data lives: file (under --data-dir) or memory (lost on exit); s3, google and azure stop the start (this server stores on local disk)' },
  { key: 'dataDir', flag: 'data-dir', env: ['INFLUXDB3_DB_DIR', 'INFLUXDB3_DATA_DIR'], kind: 'string', help: 'directory for the WAL, catalog and DuckDB files (required for --object-store file)' },
  { key: 'nodeId', flag: 'node-id', aliases: ['host-id'], env: ['INFLUXDB3_NODE_IDENTIFIER_PREFIX', 'INFLUXDB3_NODE_ID'], kind: 'string', default: 'primary-node', help: 'identifier of this node' },
  { key: 'nodeIdFromEnv', flag: 'node-id-from-env', env: ['INFLUXDB3_NODE_IDENTIFIER_FROM_ENV'], kind: 'string', help: 'read the node id from this environment variable' },
  { key: 'pluginDir', flag: 'plugin-dir', env: ['INFLUXDB3_PLUGIN_DIR'], kind: 'string', help: 'plugin directory; setting it (even to an empty string) enables the Processing Engine' },
  { key: 'virtualEnvLocation', flag: 'virtual-env-location', env: ['VIRTUAL_ENV'], kind: 'string', help: 'Python virtual environment for plugins (default <plugin-dir>/.venv)' },
  { key: 'python', flag: 'python', env: ['INFLUXDB3_PYTHON'], kind: 'string', help: 'base Python interpreter used to create the plugin virtual environment' },
  { key: 'packageManager', flag: 'package-manager', env: ['INFLUXDB3_PACKAGE_MANAGER'], kind: 'enum', choices: ['discover', 'pip', 'uv', 'disabled'], default: 'discover', help: 'how plugin packages are installed' },
  { key: 'pluginRepo', flag: 'plugin-repo', env: ['INFLUXDB3_PLUGIN_REPO'], kind: 'string', default: 'https://raw.githubusercontent.com/influxdata/influxdb3_plugins/main/', help: 'repository for gh: plugins' },
  { key: 'restrictPluginTriggersTo', flag: 'restrict-plugin-triggers-to', env: ['INFLUXDB3_RESTRICT_PLUGIN_TRIGGERS_TO'], kind: 'list', choices: ['wal', 'wal_flush', 'schedule', 'request'], help: 'only allow these trigger kinds (comma separated)' },
  { key: 'pluginDirOnly', flag: 'plugin-dir-only', env: ['INFLUXDB3_PLUGIN_DIR_ONLY'], kind: 'bool', default: 'false', help: 'refuse remote plugins and uploads' },
  { key: 'walFlushInterval', flag: 'wal-flush-interval', env: ['INFLUXDB3_WAL_FLUSH_INTERVAL'], kind: 'duration', default: '1s', help: 'cadence of WAL flush events delivered to WAL triggers' },
  { key: 'maxHttpRequestSize', flag: 'max-http-request-size', env: ['INFLUXDB3_MAX_HTTP_REQUEST_SIZE'], kind: 'bytes', default: '10485760', help: 'largest accepted request body in bytes' },
  { key: 'withoutAuth', flag: 'without-auth', env: ['INFLUXDB3_START_WITHOUT_AUTH'], kind: 'bool', default: 'false', help: 'run without token authentication' },
  { key: 'adminTokenFile', flag: 'admin-token-file', env: ['INFLUXDB3_ADMIN_TOKEN_FILE'], kind: 'string', help: 'file holding an admin token to preload' },
  { key: 'disableAuthz', flag: 'disable-authz', env: ['INFLUXDB3_DISABLE_AUTHZ'], kind: 'list', choices: ['health', 'ping', 'metrics', 'ready', 'pprof', 'node_stop'], help: 'endpoints that need no token: health, ping, metrics (upstream\'s ready, pprof and node_stop are accepted; they name endpoints this server does not have)' },
  { key: 'disableUi', flag: 'disable-ui', env: ['INFLUXDB3_DISABLE_UI'], kind: 'bool', default: 'false', help: 'do not serve the web console at /ui/' },
  { key: 'maxConcurrentQueries', flag: 'max-concurrent-queries', env: ['INFLUXDB3_MAX_CONCURRENT_QUERIES'], kind: 'int', default: '16', help: 'queries executed at once; more wait' },
  { key: 'queryLogSize', flag: 'query-log-size', aliases: ['query-log-max-entries'], env: ['INFLUXDB3_QUERY_LOG_SIZE', 'INFLUXDB3_QUERY_LOG_MAX_ENTRIES'], kind: 'int', default: '1000', help: 'queries kept in system.queries (the query log); older ones are evicted' },
  { key: 'logFormat', flag: 'log-format', env: ['INFLUXDB3_LOG_FORMAT', 'LOG_FORMAT'], kind: 'enum', choices: ['full', 'pretty', 'json', 'logfmt'], help: 'log line format: full (one human line), pretty (multi-line), json, logfmt; default full on a terminal, json otherwise' },
  { key: 'logDestination', flag: 'log-destination', env: ['INFLUXDB3_LOG_DESTINATION', 'LOG_DESTINATION'], kind: 'enum', choices: ['stdout', 'stderr'], default: 'stdout', help: 'where the log goes' },
  { key: 'logFilter', flag: 'log-filter', env: ['LOG_FILTER', 'INFLUXDB3_LOG_FILTER'], kind: 'string', default: 'info', help: 'log level: trace, debug, info, warn, error' },
  { key: 'pluginTimeout', flag: 'plugin-timeout', env: ['INFLUXDB3_PLUGIN_TIMEOUT'], kind: 'duration', default: '60s', help: 'default per-call timeout of plugin runs' },
  { key: 'pluginMemoryLimit', flag: 'plugin-memory-limit', env: ['INFLUXDB3_PLUGIN_MEMORY_LIMIT'], kind: 'bytes', default: '1073741824', help: 'per-runner memory limit in bytes (suffixes k, M, G accepted)' },
  { key: 'pluginSandbox', flag: 'plugin-sandbox', env: ['INFLUXDB3_PLUGIN_SANDBOX'], kind: 'enum', choices: ['auto', 'strict', 'off'], default: 'auto', help: 'plugin runner isolation: auto (what this machine allows, logged at start), strict (refuse to start a runner without the full sandbox), off (debugging only)' },
  { key: 'pluginNetwork', flag: 'plugin-network', env: ['INFLUXDB3_PLUGIN_NETWORK'], kind: 'enum', choices: ['host', 'none'], default: 'host', help: 'network access of plugin runners: host (as the server) or none (no network at all)' },
  { key: 'pluginCpuLimit', flag: 'plugin-cpu-limit', env: ['INFLUXDB3_PLUGIN_CPU_LIMIT'], kind: 'string', default: '0', help: 'per-runner CPU share in cores, e.g. 0.5 or 2 (a cgroup quota where one can be created); 0 = no limit' },
  { key: 'pluginMaxProcesses', flag: 'plugin-max-processes', env: ['INFLUXDB3_PLUGIN_MAX_PROCESSES'], kind: 'int', default: '64', help: 'most processes (and threads) a runner and everything it starts may have at once; 0 = no limit' },
  { key: 'pluginEnvDeny', flag: 'plugin-env-deny', env: ['INFLUXDB3_PLUGIN_ENV_DENY'], kind: 'list', help: 'environment variables (globs, comma separated) plugin runners do not inherit, e.g. AWS_SECRET_*,MY_DB_PASSWORD' },
  { key: 'pluginEnvAllow', flag: 'plugin-env-allow', env: ['INFLUXDB3_PLUGIN_ENV_ALLOW'], kind: 'list', help: 'if set, plugin runners inherit only these environment variables (globs, comma separated)' },
  { key: 'pluginWritablePaths', flag: 'plugin-writable-paths', env: ['INFLUXDB3_PLUGIN_WRITABLE_PATHS'], kind: 'list', help: 'host directories (comma separated) plugin runners may write to inside the sandbox, like systemd\'s ReadWritePaths; never the data dir' },
  { key: 'pluginRunnerIdleTimeout', flag: 'plugin-runner-idle-timeout', env: ['INFLUXDB3_PLUGIN_RUNNER_IDLE_TIMEOUT'], kind: 'string', default: '60s', help: 'a WAL or schedule trigger\'s runner that had no work this long is stopped, and started again on its next event (schedules: shortly before the next run); never (or 0) keeps every runner from enable to disable' },
  { key: 'pluginRequestRunnerIdleTimeout', flag: 'plugin-request-runner-idle-timeout', env: ['INFLUXDB3_PLUGIN_REQUEST_RUNNER_IDLE_TIMEOUT'], kind: 'string', default: 'never', help: 'the same for request triggers (whose first request after a stop waits for a runner start); never (or 0) keeps them running' },
  { key: 'pluginWalBacklogMax', flag: 'plugin-wal-backlog-max', env: ['INFLUXDB3_PLUGIN_WAL_BACKLOG_MAX'], kind: 'bytes', default: '1073741824', help: 'most WAL kept for WAL triggers that have not yet seen it (crash-safe delivery); beyond it the oldest is dropped with a warning' },
  { key: 'retentionCheckInterval', flag: 'retention-check-interval', env: ['INFLUXDB3_RETENTION_CHECK_INTERVAL'], kind: 'duration', default: '30m', help: 'how often expired data is removed' },
  { key: 'tlsCert', flag: 'tls-cert', env: ['INFLUXDB3_TLS_CERT'], kind: 'string', help: 'PEM certificate (chain) file: the API port then speaks TLS (HTTPS and gRPC); needs --tls-key; re-read on SIGHUP' },
  { key: 'tlsKey', flag: 'tls-key', env: ['INFLUXDB3_TLS_KEY'], kind: 'string', help: 'PEM private key file of --tls-cert; re-read on SIGHUP' },
  { key: 'tlsMinimumVersion', flag: 'tls-minimum-version', env: ['INFLUXDB3_TLS_MINIMUM_VERSION'], kind: 'enum', choices: ['tls-1.2', 'tls-1.3'], default: 'tls-1.2', help: 'oldest TLS version a client may use' },
  { key: 'httpHeadersTimeout', flag: 'http-headers-timeout', env: ['INFLUXDB3_HTTP_HEADERS_TIMEOUT'], kind: 'duration', default: '60s', help: 'a client must send its request headers within this time (slow clients are answered 408 and closed)' },
  { key: 'httpRequestTimeout', flag: 'http-request-timeout', env: ['INFLUXDB3_HTTP_REQUEST_TIMEOUT'], kind: 'duration', default: '5m', help: 'a client must send its whole request (headers and body) within this time' },
  { key: 'adminTokenRecoveryHttpBind', flag: 'admin-token-recovery-http-bind', env: ['INFLUXDB3_ADMIN_TOKEN_RECOVERY_HTTP_BIND_ADDR'], kind: 'string', bare: '127.0.0.1:8182', help: 'open the lost-token recovery listener on address:port (127.0.0.1:8182 when given alone): POST /api/v3/configure/token/admin/regenerate there needs no token; it closes after one regeneration' },
  { key: 'execMemPoolBytes', flag: 'exec-mem-pool-bytes', env: ['INFLUXDB3_EXEC_MEM_POOL_BYTES'], kind: 'memsize', help: 'DuckDB memory limit: megabytes, or a share of the memory, e.g. 20%, 4096, 2GB (default: DuckDB\'s, 80% of the memory; upstream\'s 20% would starve DuckDB\'s page cache)' },
  { key: 'numIoThreads', flag: 'num-io-threads', aliases: ['num-threads'], env: ['INFLUXDB3_NUM_IO_THREADS', 'INFLUXDB3_NUM_THREADS'], kind: 'int', help: 'DuckDB threads when --num-datafusion-threads is not set (default: the number of cores)' },
  { key: 'numDatafusionThreads', flag: 'num-datafusion-threads', aliases: ['datafusion-num-threads'], env: ['INFLUXDB3_NUM_DATAFUSION_THREADS', 'INFLUXDB3_DATAFUSION_NUM_THREADS'], kind: 'int', help: 'DuckDB threads that run queries (default: the number of cores)' },
  { key: 'disableTelemetryUpload', flag: 'disable-telemetry-upload', env: ['INFLUXDB3_TELEMETRY_DISABLE_UPLOAD'], kind: 'bool', default: 'false', help: 'accepted for compatibility: this server sends no telemetry' },
  { key: 'telemetryEndpoint', flag: 'telemetry-endpoint', env: ['INFLUXDB3_TELEMETRY_ENDPOINT'], kind: 'string', help: 'accepted for compatibility: this server sends no telemetry' },
  { key: 'hardDeleteDefaultDuration', flag: 'hard-delete-default-duration', env: ['INFLUXDB3_HARD_DELETE_DEFAULT_DURATION'], kind: 'duration', default: '72h', help: 'time from a delete with hard_delete_at=default (`--hard-delete default`) until the data is removed' },
  { key: 'deleteGracePeriod', flag: 'delete-grace-period', env: ['INFLUXDB3_DELETE_GRACE_PERIOD'], kind: 'duration', default: '24h', help: 'how long a hard-deleted database or table stays in the catalog (listed as deleted) after its hard-delete time, when its data is removed; then its entry is removed too' },
  { key: 'verbose', flag: 'verbose', short: 'v', env: [], kind: 'count', help: 'more log lines: -v info, -vv debug, -vvv trace (overrides --log-filter)' },
  { key: 'clusterId', flag: 'cluster-id', env: [], kind: 'string', help: 'InfluxDB 3 Enterprise only: refused with an explanation' },
  { key: 'mode', flag: 'mode', env: ['INFLUXDB3_ENTERPRISE_MODE', 'INFLUXDB3_MODE'], kind: 'list', choices: ['all', 'ingest', 'query', 'compact', 'process'], default: 'all', help: 'all: a standalone server; process: a process node beside an existing InfluxDB (--upstream-url), keeping triggers, WAL and plugins but no table data (docs/scale-out.md); ingest, query and compact are InfluxDB 3 Enterprise storage roles, which one node of this server all plays' },
  { key: 'upstreamUrl', flag: 'upstream-url', env: ['INFLUXDB3_UPSTREAM_URL'], kind: 'string', help: 'process nodes: base URL of the InfluxDB that stores the data (InfluxDB 3, 2.x or 1.x), e.g. https://influxdb.example.com:8181' },
  { key: 'upstreamToken', flag: 'upstream-token', env: ['INFLUXDB3_UPSTREAM_TOKEN'], kind: 'string', help: 'process nodes: token sent to the upstream (prefer --upstream-token-file: a flag shows in ps)' },
  { key: 'upstreamTokenFile', flag: 'upstream-token-file', env: ['INFLUXDB3_UPSTREAM_TOKEN_FILE'], kind: 'string', help: 'process nodes: file holding the token sent to the upstream' },
  { key: 'upstreamDatabaseMap', flag: 'upstream-database-map', env: ['INFLUXDB3_UPSTREAM_DATABASE_MAP'], kind: 'list', help: 'process nodes: local=remote database (or bucket) names, comma separated; unlisted databases keep their name' },
  { key: 'upstreamTlsCa', flag: 'upstream-tls-ca', env: ['INFLUXDB3_UPSTREAM_TLS_CA'], kind: 'string', help: 'process nodes: PEM file of the certificate authorities that sign the upstream\'s certificate (default: the system\'s)' },
  { key: 'upstreamOrg', flag: 'upstream-org', env: ['INFLUXDB3_UPSTREAM_ORG'], kind: 'string', help: 'process nodes: organization sent with v2 writes (InfluxDB 2.x; Cloud ignores it)' },
  { key: 'upstreamWriteApi', flag: 'upstream-write-api', env: ['INFLUXDB3_UPSTREAM_WRITE_API'], kind: 'enum', choices: ['auto', 'v3', 'v2', 'v1'], default: 'auto', help: 'process nodes: how forwarded writes reach the upstream: v3 (/api/v3/write_lp), v2 (/api/v2/write), v1 (/write), or auto (probed from the upstream\'s /ping)' },
  { key: 'upstreamQueryApi', flag: 'upstream-query-api', env: ['INFLUXDB3_UPSTREAM_QUERY_API'], kind: 'enum', choices: ['auto', 'flight', 'http', 'v1', 'local'], default: 'auto', help: 'process nodes: how plugin queries reach the upstream: flight (Arrow Flight, SQL and InfluxQL), http (/api/v3/query_sql and query_influxql), v1 (InfluxQL over /query; SQL from the local window), local (the local window only), or auto (probed)' },
  { key: 'upstreamMaxBacklog', flag: 'upstream-max-backlog', env: ['INFLUXDB3_UPSTREAM_MAX_BACKLOG'], kind: 'bytes', default: '1073741824', help: 'process nodes: most acknowledged WAL not yet forwarded to the upstream; beyond it writes are answered 503' },
  { key: 'processLocalRetention', flag: 'process-local-retention', env: ['INFLUXDB3_PROCESS_LOCAL_RETENTION'], kind: 'duration', default: '24h', help: 'process nodes whose upstream cannot answer SQL (InfluxDB 1.x, 2.x): how much of the forwarded data is kept locally so plugin SQL queries work' },
];

// The typed configuration the server runs with.
export interface ServeConfig {
  httpHost: string;
  httpPort: number;
  objectStore: 'memory' | 'file';
  dataDir: string | null;
  nodeId: string;
  pluginDir: string | null;
  virtualEnvLocation: string | null;
  python: string | null;
  packageManager: 'discover' | 'pip' | 'uv' | 'disabled';
  pluginRepo: string;
  restrictPluginTriggersTo: Array<'wal' | 'schedule' | 'request'> | null;
  pluginDirOnly: boolean;
  walFlushIntervalMs: number;
  maxHttpRequestSize: number;
  withoutAuth: boolean;
  adminTokenFile: string | null;
  disableAuthz: string[];
  disableUi: boolean;
  maxConcurrentQueries: number;
  queryLogSize: number;
  logFilter: string;
  // null: full on a terminal, json otherwise.
  logFormat: 'full' | 'pretty' | 'json' | 'logfmt' | null;
  logDestination: 'stdout' | 'stderr';
  pluginTimeoutMs: number;
  pluginMemoryLimitBytes: number;
  retentionCheckIntervalMs: number;
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  pluginSandbox: 'auto' | 'strict' | 'off';
  pluginNetwork: 'host' | 'none';
  // Cores (0.5 = half of one); 0 = no limit.
  pluginCpuLimit: number;
  // 0 = no limit.
  pluginMaxProcesses: number;
  pluginEnvDeny: string[];
  // null: inherit everything not denied.
  pluginEnvAllow: string[] | null;
  pluginWalBacklogMaxBytes: number;
  // Absolute; bound read-write into every runner's sandbox.
  pluginWritablePaths: string[];
  // A runner without work this long is stopped (WAL and schedule triggers; request triggers); null: never.
  pluginRunnerIdleTimeoutMs: number | null;
  pluginRequestRunnerIdleTimeoutMs: number | null;
  // null: the API port speaks plaintext.
  tls: { certFile: string; keyFile: string; minVersion: 'TLSv1.2' | 'TLSv1.3' } | null;
  // null: no lost-token recovery listener.
  adminTokenRecovery: { host: string; port: number } | null;
  // DuckDB's memory_limit and threads (null: DuckDB's default, the number of cores).
  duckdbMemoryLimitBytes: number | null;
  duckdbThreads: number | null;
  hardDeleteDefaultMs: number;
  deleteGracePeriodMs: number;
  // standalone: stores its data; process: a process node whose data lives in `upstream`.
  mode: 'standalone' | 'process';
  // Set exactly on process nodes.
  upstream: UpstreamConfig | null;
  // The file the settings were read from (--config-toml, or the packages' conffile through the launcher), for
  // messages that tell the operator where to change a setting.
  configFile: string | null;
  // Logged at start: warnings (e.g. the one naming upstream settings that do not apply) and debug lines.
  warnings: string[];
  debug: string[];
}

// Where a process node's data lives, and how the node reaches it.
export interface UpstreamConfig {
  // Base URL without a trailing slash.
  url: string;
  token: string | null;
  // Local database name → the upstream's; unlisted names are kept.
  databaseMap: Record<string, string>;
  tlsCaFile: string | null;
  org: string | null;
  writeApi: 'auto' | 'v3' | 'v2' | 'v1';
  queryApi: 'auto' | 'flight' | 'http' | 'v1' | 'local';
  maxBacklogBytes: number;
  // How long forwarded rows stay in the local store when the upstream cannot answer SQL.
  localRetentionMs: number;
}
