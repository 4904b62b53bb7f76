import { AppError } from '../../shared/app-error.js';

// Why one candidate interpreter was not used.
export interface CandidateRejection {
  candidate: string;
  reason: string;
}

// Plugins cannot run: the message says why and ends with the one command that fixes it.
export class PythonUnavailableError extends AppError {
  readonly fixCommand: string | undefined;
  readonly rejected: CandidateRejection[];

  constructor(message: string, options: { fixCommand?: string; rejected?: CandidateRejection[]; cause?: unknown } = {}) {
    const fix = options.fixCommand ? `; fix it with: ${options.fixCommand}` : '';
    super('python_unavailable', `${message}${fix}`, {
      status: 503,
      details: { fixCommand: options.fixCommand, rejected: options.rejected ?? [] },
      cause: options.cause,
    });
    this.name = 'PythonUnavailableError';
    this.fixCommand = options.fixCommand;
    this.rejected = options.rejected ?? [];
  }
}

// The fix for a missing interpreter or venv module, worded for who we are running as (python3-msgpack is optional).
export function systemFixCommand(packages = 'python3-venv'): string {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get install -y ${packages}`;
}
