import { Command, Option } from 'commander';
import { SERVE_OPTIONS, type ServeConfigRaw } from '../../config/schema.js';
import { NOT_APPLICABLE_OPTIONS } from '../../config/upstream-options.js';
import { loadServeConfig } from '../../config/load.js';
import { unsetVars } from '../../config/process-mode.js';
import { createLogger } from '../../shared/logger.js';
import { logOutput } from '../../shared/log-output.js';
import { startFailure } from './start-failure.js';

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

// `influxdb3 serve`: every option of config/schema.ts as a flag; env vars and --config-toml fill the rest.
export function serveCommand(): Command {
  const cmd = new Command('serve').description('run the influxdb3-engine server');
  cmd.option('--config-toml <file>', 'TOML file with flat key = "value" settings [env: INFLUXDB3_CONFIG_FILE]');
  for (const spec of SERVE_OPTIONS) {
    const env = spec.env.length ? ` [env: ${spec.env.join(', ')}]` : '';
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    const names = `${spec.short ? `-${spec.short}, ` : ''}--${spec.flag}`;
    const opt = spec.kind === 'count'
      ? new Option(names, `${spec.help}${env}`).argParser((_: string, previous: number | undefined) => (previous ?? 0) + 1)
      : spec.kind === 'bool' || spec.bare !== undefined
        ? new Option(`${names} [value]`, `${spec.help}${env}${def}`)
        : new Option(`${names} <value>`, `${spec.help}${env}${def}`);
    cmd.addOption(opt);
    for (const alias of spec.aliases ?? []) cmd.addOption(new Option(`--${alias} <value>`).hideHelp());
  }
  // InfluxDB 3's object-store/Parquet/DataFusion flags: accepted so a migrated unit starts, named in one warning.
  for (const na of NOT_APPLICABLE_OPTIONS) {
    cmd.addOption(new Option(na.bool ? `--${na.flag} [value]` : `--${na.flag} <value>`).hideHelp());
  }
  cmd.action(async (opts: Record<string, string | boolean | number | undefined>) => {
    const flags: Partial<Record<keyof ServeConfigRaw, string | boolean>> = {};
    for (const spec of SERVE_OPTIONS) {
      let v = opts[camel(spec.flag)];
      for (const alias of spec.aliases ?? []) v ??= opts[camel(alias)];
      if (v === undefined) continue;
      flags[spec.key] = v === true ? (spec.bare ?? 'true') : String(v);
    }
    const upstreamFlags: Record<string, string | boolean> = {};
    for (const na of NOT_APPLICABLE_OPTIONS) {
      const v = opts[camel(na.flag)];
      if (v !== undefined) upstreamFlags[na.flag] = v as string | boolean;
    }
    // Removed from the server's own environment too, so plugin runners do not inherit them either.
    unsetVars(process.env);
    const config = loadServeConfig({ flags, upstreamFlags, env: process.env, configFile: (opts.configToml as string | undefined) ?? null });
    const logger = createLogger(config.logFilter, logOutput({ format: config.logFormat, destination: config.logDestination }));
    for (const line of config.debug) logger.debug(line);
    const { App } = await import('../../app.js');
    const app = new App(config, logger);
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'signal received');
      app.stop().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGHUP', () => {
      if (!config.tls) {
        logger.info({ signal: 'SIGHUP' }, 'signal received: nothing to reload (TLS is off)');
        return;
      }
      logger.info({ signal: 'SIGHUP' }, 'signal received: reloading the TLS certificate');
      app.reloadTls();
    });
    try {
      await app.start();
    } catch (err) {
      // One clear line; the stack only at debug.
      logger.debug({ err }, 'start failed');
      logger.fatal(`failed to start: ${startFailure(err, config)}`);
      await app.stop().catch(() => undefined);
      process.exit(1);
    }
  });
  return cmd;
}
