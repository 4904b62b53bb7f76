// Wire shapes of the dry-run endpoints; field names are upstream's.

// POST /api/v3/plugin_test/wal
export interface WalTestRequest {
  filename: string;
  database: string;
  input_lp: string;
  cache_name?: string;
  input_arguments?: Record<string, string> | null;
}

// POST /api/v3/plugin_test/schedule
export interface ScheduleTestRequest {
  filename: string;
  database: string;
  schedule?: string;
  cache_name?: string;
  input_arguments?: Record<string, string> | null;
}

// Beyond upstream: why a run failed, with the Python traceback and the log lines written before the failure
// (upstream's `errors` strings stay exact and its `log_lines` stays empty on failure).
export interface ErrorDetail {
  message: string;
  type: string;
  traceback: string | null;
  log_lines: string[];
}

// The response of both endpoints; `trigger_time` only for schedule runs.
export interface PluginTestResponse {
  trigger_time?: string | null;
  log_lines: string[];
  database_writes: Record<string, string[]>;
  errors: string[];
  error_details?: ErrorDetail[];
}

// The default `cache_name` of test runs (upstream's).
export const DEFAULT_TEST_CACHE_NAME = '_shared_test';

// The default schedule of a schedule test run: every second (6-field cron).
export const DEFAULT_TEST_SCHEDULE = '* * * * * *';

// Prefix upstream puts on every plugin failure in `errors`.
export const EXECUTION_ERROR_PREFIX = 'error executing plugin: ';
