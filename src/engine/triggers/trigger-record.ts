import type { ErrorBehavior } from './trigger-settings.js';

// A trigger as the catalog keeps it (upstream's field names), plus what we add beyond upstream.
export interface TriggerRecord {
  trigger_id: number;
  trigger_name: string;
  plugin_filename: string;
  database_name: string;
  // The database's catalog id: a trigger belongs to that database, not to a later one of the same name.
  database_id: number;
  node_spec: 'all';
  // The canonical spec string (`every:1m 30s`, `table:cpu`, …); system tables render it as serde JSON.
  trigger_specification: string;
  trigger_settings: { run_async: boolean; error_behavior: ErrorBehavior };
  trigger_arguments: Record<string, string> | null;
  disabled: boolean;
  // Beyond upstream: why the engine disabled it (error_behavior=disable, restart limit, database deleted); null when
  // a user did or it is enabled.
  disabled_reason: string | null;
  // Beyond upstream: a per-trigger call timeout overriding --plugin-timeout (null = the server default).
  timeout_ms: number | null;
  // Beyond upstream: per-trigger runner limits (absent in older catalogs; null = the server default).
  memory_limit_bytes?: number | null;
  cpu_limit?: number | null;
  max_processes?: number | null;
}

// The catalog section that holds every trigger of every database.
export interface TriggerSection {
  next_id: number;
  triggers: TriggerRecord[];
}

export const TRIGGER_SECTION = 'processing_engine_triggers';

// Live facts about a trigger that system tables and /metrics show next to its record.
export interface TriggerRuntimeView {
  record: TriggerRecord;
  // running: runner up; starting: runner starting or restarting; disabled; failed: could not start (reason given);
  // waiting-for-environment: the plugin Python is unusable (reason given), the trigger starts once it is fixed.
  state: 'running' | 'starting' | 'disabled' | 'failed' | 'waiting-for-environment';
  // Why it is failed or disabled, or null.
  reason: string | null;
  // Events waiting in the trigger's queue and events dropped by the overflow policy since start.
  queued: number;
  dropped: number;
  // The plugin version (content hash, or commit for Git plugins) the running trigger loaded; null when not running.
  pluginVersion?: string | null;
}
