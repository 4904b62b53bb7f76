import type { Trigger } from '../../storage/catalog/catalog-resources.js';
import type { TriggerSpec } from './trigger-spec.js';

// Live facts about a trigger that system tables and /metrics show next to its stored definition.
export interface TriggerRuntimeView {
  record: Trigger;
  // Its spec, parsed once by the trigger store; null when the stored text does not parse.
  spec: TriggerSpec | null;
  // running: runner up; starting: runner starting or restarting; idle: enabled, its runner stopped after the idle
  // timeout (the next event starts it); disabled; failed: could not start (reason given);
  // waiting-for-environment: the plugin Python is unusable (reason given), the trigger starts once it is fixed;
  // engine-disabled: stored, but the server runs without a plugin directory; other-node: pinned (node_spec) to
  // nodes other than this one, which do run it.
  state: 'running' | 'starting' | 'idle' | 'disabled' | 'failed' | 'waiting-for-environment' | 'engine-disabled' | 'other-node';
  // Why it is failed or disabled, or null.
  reason: string | null;
  // Events waiting in the trigger's queue and events dropped by the overflow policy since start.
  queued: number;
  dropped: number;
  // The plugin version (content hash, or commit for Git plugins) the running trigger loaded; null when not running.
  pluginVersion?: string | null;
}
