import { AppError } from '../shared/app-error.js';

// A configuration value that cannot be used; the message names the key, the value and what is accepted.
export class ConfigError extends AppError {
  constructor(message: string) {
    super('config_error', message, { status: 400 });
    this.name = 'ConfigError';
  }
}
