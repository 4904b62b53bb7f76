// Levels plugins log at (influxdb3_local.info/warn/error).
export type PluginLogLevel = 'INFO' | 'WARN' | 'ERROR';

// One row of system.processing_engine_logs; event_time is nanoseconds since the epoch.
export interface PluginLogEntry {
  event_time: bigint;
  // Not a column upstream: the trigger's database, so each database's system table shows only its own triggers.
  database: string;
  trigger_name: string;
  log_level: PluginLogLevel;
  log_text: string;
}
