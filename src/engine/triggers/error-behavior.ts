import { backoffMs, type BackoffPolicy } from '../supervisor/backoff.js';
import type { ErrorBehavior } from './trigger-settings.js';

// error_behavior=retry: the failed event runs again after the backoff, at most `maxRetries` times.
export interface RetryPolicy extends BackoffPolicy {
  maxRetries: number;
}

// 100 ms, 200 ms, 400 ms … capped at 30 s; no jitter, so the delays the trigger log announces are exact.
export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0, maxRetries: 5 };

// What the runtime does after a failed WAL or schedule call (request triggers always answer 500 instead).
export type ErrorDecision =
  | { action: 'log' }
  | { action: 'retry'; delayMs: number; retry: number; maxRetries: number }
  // error_behavior=retry and the cap is reached: the event is given up like under `log`.
  | { action: 'give-up'; retries: number }
  | { action: 'disable'; reason: string };

// The trigger's error_behavior applied to the failure of attempt `attempt` (0 for the first call).
export function decideOnError(
  behavior: ErrorBehavior,
  error: { message: string },
  attempt: number,
  retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  random?: () => number,
): ErrorDecision {
  if (behavior === 'disable') return { action: 'disable', reason: `error_behavior is disable and a call failed: ${error.message}` };
  if (behavior !== 'retry') return { action: 'log' };
  if (attempt >= retry.maxRetries) return { action: 'give-up', retries: attempt };
  return { action: 'retry', delayMs: backoffMs(retry, attempt + 1, random), retry: attempt + 1, maxRetries: retry.maxRetries };
}
