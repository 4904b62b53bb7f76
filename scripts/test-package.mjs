// npm run test:package — the packaging tests:
//   0. the .deb through lintian (no E: or W:), the unit's `systemd-analyze security` exposure (not above the recorded
//      threshold), the man page (renders without warnings, lists every command of the CLI);
//   1. the launcher's TOML key → environment variable mapping (sample TOML files, every exception-table entry);
//   2. the RPM: rpm -qlp / -qp --scripts / -qpR / -qpc, and the launcher run from the extracted payload;
//   3. the .deb, installed on this machine (root only): its documentation (every path the unit, man page, config
//      and docs point at exists), the pruned node_modules, started as systemd would (the unit's ExecStart as the
//      influxdb3 user), a write, a trigger from a plugin dropped into /var/lib/influxdb3/plugins and its output,
//      a migrated upstream unit's command line (JSON logs, one WARN), the seed rules for plugin-dir, then remove
//      and purge, and what is left.
// Options: --no-build (package the dist/ already built). Writes TEST_SUMMARY_DIR/test-package.json for .ci/run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { tsImport } from 'tsx/esm/api';
import { buildDeb } from './package-deb.mjs';
import { buildRpm } from './package-rpm.mjs';
import { DOC_DIR, MAN_PAGE, SEED, outDir, repoRoot } from './package-stage.mjs';

const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const started = Date.now();
const results = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

// Thrown by a check that cannot apply yet (counted as skipped).
class Skip extends Error {}

async function check(name, fn) {
  try {
    await fn();
    results.passed++;
    console.log(`  ok      ${name}`);
    return true;
  } catch (err) {
    if (err instanceof Skip) {
      skip(name, err.message);
      return true;
    }
    results.failed++;
    failures.push(name);
    console.log(`  FAILED  ${name}\n          ${String(err?.message ?? err).split('\n').join('\n          ')}`);
    return false;
  }
}

function skip(name, why) {
  results.skipped++;
  console.log(`  skipped ${name} (${why})`);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function sh(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...options });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function shOk(cmd, argv, options = {}) {
  const r = sh(cmd, argv, options);
  if (r.code !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  return r.stdout;
}

const lines = (text) => text.split('\n').filter((l) => l !== '');

// ---------------------------------------------------------------------------------------------------------------
// 0. lintian, systemd-analyze security, the man page
// ---------------------------------------------------------------------------------------------------------------
const UNIT = join(repoRoot, 'packaging', 'influxdb3-engine.service');
// `systemd-analyze security --offline=true` of the unit (systemd 252, Debian 12): 2.5 with a deny-list syscall
// filter; 2.1 with the @system-service allow list, ProtectProc=invisible and PrivateMounts=yes. Lower is better; a
// change that raises it must say why here.
const EXPOSURE_MAX = 2.1;

async function lintianTests(deb) {
  console.log('lintian, systemd-analyze, man page:');
  if (!existsSync('/usr/bin/lintian')) skip('lintian: no E: or W: tags', 'lintian is missing: apt-get install -y lintian');
  else {
    await check('lintian: no E: or W: tags on the .deb', () => {
      const r = sh('lintian', ['--tag-display-limit', '0', deb]);
      const bad = lines(r.stdout + r.stderr).filter((l) => /^[EW]: /.test(l));
      assert(bad.length === 0, `${bad.length} lintian error/warning tags:\n${bad.join('\n')}`);
      assert(r.code === 0, `lintian exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
    });
  }
  if (!existsSync('/usr/bin/systemd-analyze')) skip('systemd-analyze security', 'systemd-analyze is missing');
  else {
    await check(`systemd-analyze security --offline: the unit's exposure is at most ${EXPOSURE_MAX}`, () => {
      const r = sh('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT]);
      const m = /Overall exposure level for influxdb3-engine\.service: (\d+(?:\.\d+)?)/.exec(r.stdout + r.stderr);
      assert(m, `no exposure level in:\n${(r.stdout + r.stderr).slice(-1500)}`);
      console.log(`          exposure ${m[1]} (threshold ${EXPOSURE_MAX})`);
      assert(Number(m[1]) <= EXPOSURE_MAX, `exposure ${m[1]} is worse than ${EXPOSURE_MAX}:\n${lines(r.stdout).filter((l) => l.startsWith('✗')).join('\n')}`);
      const unit = readFileSync(UNIT, 'utf8').split('\n');
      for (const l of ['ProtectClock=yes', 'ProtectHostname=yes', 'RestrictRealtime=yes', 'SystemCallArchitectures=native', 'SystemCallFilter=@system-service @mount']) {
        assert(unit.includes(l), `unit lacks ${l}`);
      }
    });
  }
}

// The CLI's own command tree (dist/), to compare the man page against.
async function cliProgram() {
  const { buildCli } = await import(pathToFileURL(join(repoRoot, 'dist', 'cli', 'cli.js')).href);
  return buildCli();
}

// Every command path of the program with a visible name ('influxdb3 show databases', ...), depth first.
function commandPaths(cmd, prefix = []) {
  const help = cmd.createHelp();
  return help.visibleCommands(cmd).filter((c) => cmd.commands.includes(c)).flatMap((c) => {
    const path = [...prefix, c.name()];
    return [{ path, cmd: c }, ...commandPaths(c, path)];
  });
}

async function checkManPage(file) {
  const roff = gunzipSync(readFileSync(file)).toString('utf8');
  const groff = sh('groff', ['-ww', '-man', '-z'], { input: roff });
  assert(groff.code === 0 && groff.stderr.trim() === '', `groff -ww -man -z: ${groff.code} ${groff.stderr}`);
  const man = sh('man', ['--warnings', '-l', file], { env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' } });
  assert(man.code === 0 && man.stderr.trim() === '', `man --warnings -l: ${man.code} ${man.stderr}`);
  assert(/^NAME\n\s+influxdb3 - /m.test(man.stdout), `no NAME section:\n${man.stdout.slice(0, 400)}`);
  const program = await cliProgram();
  const paths = commandPaths(program);
  assert(paths.length > program.commands.length, `only ${paths.length} commands found in the CLI`);
  // `.SS "influxdb3 write|w [options] [line_protocol]"` → influxdb3 write
  const headers = new Set(lines(roff).filter((l) => l.startsWith('.SS ')).map((l) => l.slice(5, -1).replace(/\\-/g, '-').split(' [')[0].replace(/\|\S+/g, '')));
  const missing = paths.map(({ path }) => ['influxdb3', ...path].join(' ')).filter((p) => ![...headers].some((h) => h === p || h.startsWith(`${p} `)));
  assert(missing.length === 0, `commands missing from the man page: ${missing.join(', ')}`);
  // Aliases, options and their env variables, as --help shows them.
  const text = man.stdout.replace(/\u2010\n\s*/g, '').replace(/\s+/g, ' ');
  for (const { path, cmd } of paths.filter((p) => p.path.length === 1)) {
    for (const alias of cmd.aliases()) assert(text.includes(`Alias: influxdb3 ${alias}`), `alias ${alias} of ${path[0]} not in the man page`);
    for (const o of cmd.createHelp().visibleOptions(cmd)) {
      assert(text.includes(o.flags), `option ${o.flags} of ${path[0]} not in the man page`);
      if (o.envVar) assert(text.includes(o.envVar), `env ${o.envVar} of ${path[0]} ${o.flags} not in the man page`);
    }
  }
  return paths.length;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Launcher
// ---------------------------------------------------------------------------------------------------------------
const launcherPath = join(repoRoot, 'packaging', 'influxdb3-launcher');
const work = mkdtempSync(join(tmpdir(), 'influxdb3-package-test-'));

function launch(toml, env = {}, root = repoRoot, launcher = launcherPath, node = process.execPath) {
  const file = join(work, `c${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  return sh(node, [launcher, `--root=${root}`, `--config-toml=${file}`, '--print-env', '--', 'serve'], {
    env: { PATH: process.env.PATH, ...env },
  });
}

const SAMPLE = `# every exception-table entry, some plain keys, and plugin-dir commented out (engine off)
# plugin-dir = "/var/lib/influxdb3/plugins"
http-bind = "127.0.0.1:8282"
node-id = "node-7"
data-dir = "/srv/influx/data"
without-auth = false
snapshotted-wal-files-to-keep = 300
aws-access-key-id = "AKIAEXAMPLE"
aws-secret-access-key = "s3cr3t-value"
azure-storage-account = "account"
google-service-account = "/etc/sa.json"
virtual-env-location = "/srv/venv"
log-filter = "debug"
object-store = "file"
package-manager = "pip"
plugin-repo = "https://example.com/plugins/"
restrict-plugin-triggers-to = ["wal", "schedule"]
plugin-dir-only = true
wal-flush-interval = "250ms"
max-http-request-size = 2048
plugin-timeout = "30s"
`;

// --print-env lines but the origin record (INFLUXDB3_ENGINE_CONFIG_ORIGIN, checked on its own).
const withoutOrigin = (text) => lines(text).filter((l) => !l.startsWith('INFLUXDB3_ENGINE_CONFIG_ORIGIN='));

async function launcherTests() {
  console.log('launcher (packaging/influxdb3-launcher):');
  const { envName, EXCEPTIONS } = createRequire(import.meta.url)(launcherPath);
  await check('key → variable: the exception table, native cloud names, INFLUXDB3_<KEY> for the rest', () => {
    const expected = {
      'http-bind': 'INFLUXDB3_HTTP_BIND_ADDR',
      'node-id': 'INFLUXDB3_NODE_IDENTIFIER_PREFIX',
      'data-dir': 'INFLUXDB3_DB_DIR',
      'without-auth': 'INFLUXDB3_START_WITHOUT_AUTH',
      'snapshotted-wal-files-to-keep': 'INFLUXDB3_NUM_WAL_FILES_TO_KEEP',
      'aws-access-key-id': 'AWS_ACCESS_KEY_ID',
      'aws-secret-access-key': 'AWS_SECRET_ACCESS_KEY',
      'aws-default-region': 'AWS_DEFAULT_REGION',
      'azure-storage-account': 'AZURE_STORAGE_ACCOUNT',
      'azure-storage-access-key': 'AZURE_STORAGE_ACCESS_KEY',
      'google-service-account': 'GOOGLE_SERVICE_ACCOUNT',
      'virtual-env-location': 'VIRTUAL_ENV',
      'log-filter': 'LOG_FILTER',
      'plugin-dir': 'INFLUXDB3_PLUGIN_DIR',
      'object-store': 'INFLUXDB3_OBJECT_STORE',
      'package-manager': 'INFLUXDB3_PACKAGE_MANAGER',
      'plugin-repo': 'INFLUXDB3_PLUGIN_REPO',
      'restrict-plugin-triggers-to': 'INFLUXDB3_RESTRICT_PLUGIN_TRIGGERS_TO',
      'wal-flush-interval': 'INFLUXDB3_WAL_FLUSH_INTERVAL',
      'max-http-request-size': 'INFLUXDB3_MAX_HTTP_REQUEST_SIZE',
    };
    for (const [key, name] of Object.entries(expected)) assert(envName(key) === name, `${key} → ${envName(key)}, expected ${name}`);
    for (const key of ['http-bind', 'node-id', 'data-dir', 'without-auth', 'snapshotted-wal-files-to-keep']) {
      assert(key in EXCEPTIONS, `exception table lacks ${key}`);
    }
  });

  await check('sample TOML: exactly the expected variables; plugin-dir commented out sets no INFLUXDB3_PLUGIN_DIR', () => {
    const r = launch(SAMPLE);
    assert(r.code === 0, `exit ${r.code}: ${r.stderr}`);
    const want = [
      'INFLUXDB3_HTTP_BIND_ADDR=127.0.0.1:8282',
      'INFLUXDB3_NODE_IDENTIFIER_PREFIX=node-7',
      'INFLUXDB3_DB_DIR=/srv/influx/data',
      'INFLUXDB3_START_WITHOUT_AUTH=false',
      'VIRTUAL_ENV=/srv/venv',
      'LOG_FILTER=debug',
      'INFLUXDB3_OBJECT_STORE=file',
      'INFLUXDB3_PACKAGE_MANAGER=pip',
      'INFLUXDB3_PLUGIN_REPO=https://example.com/plugins/',
      'INFLUXDB3_RESTRICT_PLUGIN_TRIGGERS_TO=wal,schedule',
      'INFLUXDB3_PLUGIN_DIR_ONLY=true',
      'INFLUXDB3_WAL_FLUSH_INTERVAL=250ms',
      'INFLUXDB3_MAX_HTTP_REQUEST_SIZE=2048',
      'INFLUXDB3_PLUGIN_TIMEOUT=30s',
    ];
    const got = lines(r.stdout).filter((l) => !l.startsWith('INFLUXDB3_ENGINE_CONFIG_ORIGIN='));
    assert(JSON.stringify([...got].sort()) === JSON.stringify([...want].sort()), `got:\n${got.join('\n')}\nwanted:\n${want.join('\n')}`);
    assert(!got.some((l) => l.startsWith('INFLUXDB3_PLUGIN_DIR=')), 'INFLUXDB3_PLUGIN_DIR set although plugin-dir is commented out');
  });

  await check('sample TOML: cloud and upstream-only keys are not exported, handed to the server by name, secrets never echoed', () => {
    const r = launch(SAMPLE);
    const originLine = lines(r.stdout).find((l) => l.startsWith('INFLUXDB3_ENGINE_CONFIG_ORIGIN='));
    assert(originLine, `no origin variable: ${r.stdout}`);
    const origin = JSON.parse(originLine.slice('INFLUXDB3_ENGINE_CONFIG_ORIGIN='.length));
    for (const key of ['snapshotted-wal-files-to-keep', 'aws-access-key-id', 'aws-secret-access-key', 'azure-storage-account', 'google-service-account']) {
      assert(origin.notApplicable.includes(key), `${key} not handed over: ${originLine}`);
    }
    assert(origin.keys.INFLUXDB3_HTTP_BIND_ADDR === 'http-bind', originLine);
    assert(!/^(AWS|AZURE|GOOGLE)_/m.test(r.stdout), `a cloud variable was exported: ${r.stdout}`);
    assert(!`${r.stdout}${r.stderr}`.includes('s3cr3t-value'), 'a secret value was printed');
  });

  await check('plugin-dir = "" keeps the engine on: INFLUXDB3_PLUGIN_DIR is exported empty', () => {
    const r = launch('plugin-dir = ""\n');
    assert(r.code === 0, r.stderr);
    assert(lines(r.stdout).includes('INFLUXDB3_PLUGIN_DIR='), `stdout: ${r.stdout}`);
  });

  await check('environment beats file (including the server\'s alias variables), flat values only', () => {
    const r = launch('http-bind = "0.0.0.0:1"\ndata-dir = "/file"\nnode-id = "from-file"\n', {
      INFLUXDB3_HTTP_BIND_ADDR: '127.0.0.1:2',
      INFLUXDB3_DATA_DIR: '/env',
    });
    assert(r.code === 0, r.stderr);
    assert(withoutOrigin(r.stdout).join() === 'INFLUXDB3_NODE_IDENTIFIER_PREFIX=from-file', `stdout: ${r.stdout}`);
    assert(/INFLUXDB3_HTTP_BIND_ADDR is set in the environment/.test(r.stderr), r.stderr);
    assert(/INFLUXDB3_DATA_DIR is set in the environment/.test(r.stderr), r.stderr);
    const t = launch('[section]\nplugin-dir = "/x"\n');
    assert(t.code === 1 && /plain value/.test(t.stderr), `table accepted: ${t.code} ${t.stderr}`);
  });

  await check('an unknown key, a missing file or bad TOML stop the launcher with a message', () => {
    const r = launch('plugin_dir = "/x"\n');
    assert(r.code === 1 && /unknown key 'plugin_dir' in config file .*; did you mean 'plugin-dir'\?/.test(r.stderr), `${r.code} ${r.stderr}`);
    const b = launch('plugin-dir = \n');
    assert(b.code === 1 && /invalid TOML/.test(b.stderr), `${b.code} ${b.stderr}`);
    const m = sh(process.execPath, [launcherPath, `--root=${repoRoot}`, '--config-toml=/nonexistent.toml', '--', 'serve']);
    assert(m.code === 1 && /does not exist/.test(m.stderr), `${m.code} ${m.stderr}`);
  });

  const conf = readFileSync(join(repoRoot, 'conf', 'influxdb3-engine.conf'), 'utf8');
  await check('conf/influxdb3-engine.conf with every key uncommented is accepted, one variable per key', () => {
    const keyLines = lines(conf).filter((l) => /^# [a-z0-9-]+ = /.test(l)).map((l) => l.slice(2));
    assert(keyLines.length >= 20, `only ${keyLines.length} commented keys found`);
    const r = launch(`${keyLines.join('\n')}\n`);
    assert(r.code === 0, r.stderr);
    // One variable per key, plus the origin record.
    assert(lines(r.stdout).length === keyLines.length + 1, `${keyLines.length} keys, ${lines(r.stdout).length} variables:\n${r.stdout}`);
  });
}

// docs/ of the repository, as paths relative to it (docs/x.md, docs/grafana/y.json).
function repoDocs(dir = join(repoRoot, 'docs'), rel = 'docs') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? repoDocs(join(dir, e.name), `${rel}/${e.name}`) : [`${rel}/${e.name}`]));
}

// The four variables the shipped (seeded) config must give.
const SEED_ENV = ['INFLUXDB3_PLUGIN_DIR=/var/lib/influxdb3/plugins', 'INFLUXDB3_DB_DIR=/var/lib/influxdb3/data', 'INFLUXDB3_OBJECT_STORE=file', 'INFLUXDB3_NODE_IDENTIFIER_PREFIX=primary-node'];

// ---------------------------------------------------------------------------------------------------------------
// 2. RPM
// ---------------------------------------------------------------------------------------------------------------
async function rpmTests() {
  console.log('rpm:');
  if (!existsSync('/usr/bin/rpmbuild')) {
    skip('rpm package checks', 'rpmbuild is missing: apt-get install -y rpm');
    return;
  }
  let rpm;
  if (!(await check('npm run package:rpm builds the package', async () => { rpm = await buildRpm({ build: false, fast: true }); }))) return;
  await check('rpm -qlp: server, node runtime, DuckDB binding, launcher, wrapper, unit, config, examples, data dirs', () => {
    const files = new Set(lines(shOk('rpm', ['-qlp', rpm])));
    for (const f of [
      '/usr/bin/influxdb3', '/usr/lib/influxdb3/influxdb3-launcher', '/usr/lib/influxdb3-engine/node/bin/node',
      '/usr/lib/influxdb3-engine/dist/main.js', '/usr/lib/influxdb3-engine/package.json',
      '/usr/lib/influxdb3-engine/python-runner/plugin_runner/__main__.py',
      '/usr/lib/influxdb3-engine/node_modules/@duckdb/node-bindings-linux-x64/duckdb.node',
      '/usr/lib/systemd/system/influxdb3-engine.service', '/etc/influxdb3/influxdb3-engine.conf',
      '/usr/share/influxdb3-engine/examples/wal_summary.py', '/var/lib/influxdb3/data', '/var/lib/influxdb3/plugins',
    ]) assert(files.has(f), `missing ${f}`);
    for (const f of files) {
      assert(!/node_modules\/(typescript|mocha|chai|tsx|fast-check)\//.test(f), `dev dependency shipped: ${f}`);
      assert(!/python-runner\/tests\//.test(f), `runner tests shipped: ${f}`);
    }
  });
  await check('rpm -qdp / -qLp: README and docs/ as %doc, the man page, the license as %license', () => {
    const docs = new Set(lines(shOk('rpm', ['-qdp', rpm])));
    for (const f of [`${DOC_DIR}/README.md`, ...repoDocs().map((d) => `${DOC_DIR}/${d}`), MAN_PAGE]) assert(docs.has(f), `not a %doc file: ${f}`);
    assert(lines(shOk('rpm', ['-qLp', rpm])).includes('/usr/share/licenses/influxdb3-engine/LICENSE'), 'no %license file');
  });
  await check('rpm -qp --scripts / -qpR / -qpc: user in %pre, bytecode in %post, dependencies, config(noreplace)', () => {
    const scripts = shOk('rpm', ['-qp', '--scripts', rpm]);
    assert(/preinstall scriptlet[\s\S]*useradd --system --gid influxdb3/.test(scripts), 'no useradd in %pre');
    assert(/postinstall scriptlet[\s\S]*compileall/.test(scripts), 'no compileall in %post');
    assert(/preuninstall scriptlet[\s\S]*disable --now influxdb3-engine/.test(scripts), 'no service stop in %preun');
    const requires = lines(shOk('rpm', ['-qpR', rpm]));
    for (const r of ['python3 >= 3.10', 'bubblewrap', 'shadow-utils']) assert(requires.includes(r), `Requires lacks ${r}`);
    assert(!requires.some((r) => /libduckdb|\(64bit\)/.test(r)), `bundled libraries leaked into Requires: ${requires.join(', ')}`);
    assert(shOk('rpm', ['-qpc', rpm]).trim() === '/etc/influxdb3/influxdb3-engine.conf', 'config files');
    const owners = shOk('rpm', ['-qp', '--qf', '[%{FILEUSERNAME}:%{FILEGROUPNAME}:%{FILEMODES:perms} %{FILENAMES}\\n]', rpm]);
    assert(/influxdb3:influxdb3:drwxr-x--- \/var\/lib\/influxdb3\/plugins$/m.test(owners), 'plugin dir not owned by influxdb3');
    assert(/^root:root:-rw-r--r-- \/etc\/influxdb3\/influxdb3-engine.conf$/m.test(owners), 'config ownership');
  });
  await check('the RPM payload\'s own node runs its launcher on its seeded config', () => {
    const x = join(work, 'rpm-x');
    mkdirSync(x);
    execFileSync('sh', ['-c', 'rpm2archive - < "$1" | tar -xzf -', 'sh', rpm], { cwd: x });
    const lib = join(x, 'usr/lib/influxdb3-engine');
    const r = sh(join(lib, 'node/bin/node'), [join(x, 'usr/lib/influxdb3/influxdb3-launcher'), `--root=${lib}`,
      `--config-toml=${join(x, 'etc/influxdb3/influxdb3-engine.conf')}`, '--print-env', '--', 'serve'], { env: { PATH: '/usr/bin:/bin' } });
    assert(r.code === 0, r.stderr);
    assert(JSON.stringify(withoutOrigin(r.stdout).sort()) === JSON.stringify([...SEED_ENV].sort()), `got ${r.stdout}`);
    const unit = readFileSync(join(x, 'usr/lib/systemd/system/influxdb3-engine.service'), 'utf8');
    assert(!/without-auth/.test(unit), 'the unit must not pass --without-auth');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 3. DEB install test
// ---------------------------------------------------------------------------------------------------------------
const CONF = '/etc/influxdb3/influxdb3-engine.conf';
const STAMP = '/var/lib/influxdb3/.influxdb3-engine-package-test';
const EXEC_START = ['/usr/lib/influxdb3/influxdb3-launcher', `--config-toml=${CONF}`, '--', 'serve'];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function installed() {
  return sh('dpkg-query', ['-W', '-f=${Status}', 'influxdb3-engine']).stdout.includes('install ok installed');
}

// Installed, or removed with its config left (dpkg still knows it).
function known() {
  const r = sh('dpkg-query', ['-W', '-f=${Status}', 'influxdb3-engine']);
  return r.code === 0 && !r.stdout.includes('not-installed');
}

// The admin token, once the server has token auth (POST /api/v3/configure/token/admin); kept across restarts.
let adminToken = null;

// The unit's ExecStart (or `argv`, another unit's), as its User=, in its WorkingDirectory=, with a systemd-like
// environment; the port comes from INFLUXDB3_HTTP_BIND_ADDR unless `argv` names it.
class Service {
  constructor(port, logName, argv = EXEC_START) {
    this.port = port;
    this.logFile = join(outDir, logName);
    this.argv = argv;
  }

  async start() {
    writeFileSync(this.logFile, '');
    this.stdout = '';
    this.proc = spawn('runuser', ['-u', 'influxdb3', '--', ...this.argv], {
      cwd: '/var/lib/influxdb3',
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/var/lib/influxdb3', LANG: 'C.UTF-8',
        ...(this.argv === EXEC_START ? { INFLUXDB3_HTTP_BIND_ADDR: `127.0.0.1:${this.port}` } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    for (const s of [this.proc.stdout, this.proc.stderr]) s.on('data', (d) => appendFileSync(this.logFile, d));
    this.proc.stdout.on('data', (d) => { this.stdout += d; });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited ${this.proc.exitCode}:\n${this.log().slice(-2000)}`);
      try {
        // 401: up, with token auth on /health (upstream's default unless --disable-authz health).
        const res = await fetch(`${this.url}/health`);
        if (res.status === 200 || res.status === 401) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`server not healthy within 60 s:\n${this.log().slice(-2000)}`);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  log() {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  // The server process (runuser's child): what systemd would signal.
  serverPid() {
    const children = sh('pgrep', ['-P', String(this.proc.pid)]).stdout.trim().split('\n').filter(Boolean);
    return children.length ? Number(children[0]) : null;
  }

  request(path, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (adminToken) headers.Authorization = `Bearer ${adminToken}`;
    return fetch(`${this.url}${path}`, { ...init, headers });
  }

  // SIGTERM to the server itself (KillMode=mixed); runuser exits with its status.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.exited ? await this.exited : null;
    const pid = this.serverPid();
    process.kill(pid ?? this.proc.pid, 'SIGTERM');
    const result = await Promise.race([this.exited, sleep(30_000).then(() => null)]);
    if (!result) {
      this.proc.kill('SIGKILL');
      if (pid) spawnSync('kill', ['-KILL', String(pid)]);
      throw new Error('server did not stop within 30 s of SIGTERM');
    }
    return result;
  }
}

// Writes to `table` of pkgtest until the wal_summary trigger has summarised it (the first flush may come before the
// runner is up, so it keeps writing).
async function untilSummarised(service, table) {
  const deadline = Date.now() + 45_000;
  let last = '';
  let n = 0;
  while (Date.now() < deadline) {
    const w = await service.request('/api/v3/write_lp?db=pkgtest', { method: 'POST', body: `${table},host=b usage=${++n}\n` });
    assert(w.status === 204, `write answered ${w.status}`);
    const q = await service.request(`/api/v3/query_sql?db=pkgtest&format=json&q=${encodeURIComponent(`SELECT table_name, row_count FROM write_summary WHERE table_name = '${table}'`)}`);
    last = `${q.status} ${await q.text()}`;
    if (q.status === 200 && JSON.parse(last.slice(4)).length > 0) return;
    await sleep(500);
  }
  throw new Error(`no write_summary rows for ${table} within 45 s (last: ${last})\n${service.log().slice(-2000)}`);
}

function setConfigLine(key, line) {
  const text = readFileSync(CONF, 'utf8');
  const re = new RegExp(`^#?\\s*${key}\\s*=.*$`, 'm');
  assert(re.test(text), `${key} not found in ${CONF}`);
  writeFileSync(CONF, text.replace(re, line));
}

async function debTests(deb) {
  console.log('deb install test:');
  if (process.getuid?.() !== 0) {
    skip('deb install test', 'needs root (dpkg -i, runuser)');
    return;
  }
  if (known()) {
    console.log('  (an influxdb3-engine package is installed: purging it first)');
    shOk('dpkg', ['--purge', 'influxdb3-engine']);
  }
  if (existsSync('/var/lib/influxdb3') && !existsSync(STAMP)) {
    results.failed++;
    failures.push('deb install test');
    console.log('  FAILED  /var/lib/influxdb3 exists and was not made by this test; not touching it (move it away to run the install test)');
    return;
  }
  const userExisted = sh('getent', ['passwd', 'influxdb3']).code === 0 && !existsSync(STAMP);
  rmSync('/var/lib/influxdb3', { recursive: true, force: true });
  let service;
  try {
    if (!(await check('dpkg -i installs the package (dependencies already present)', () => {
      const r = sh('dpkg', ['-i', deb], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.code !== 0) {
        // Missing dependencies: let apt resolve them (in CI they are installed already by .ci/run).
        shOk('apt-get', ['install', '-f', '-y', '-q'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      }
      assert(installed(), `not installed: ${r.stderr}`);
      writeFileSync(STAMP, 'created by scripts/test-package.mjs\n');
    }))) return;

    await check('installed layout: user, directories owned by it, seeded conffile, wrapper, unit', () => {
      const pw = shOk('getent', ['passwd', 'influxdb3']).trim().split(':');
      assert(pw[5] === '/var/lib/influxdb3' && /nologin$/.test(pw[6]), `user entry ${pw.join(':')}`);
      for (const d of ['/var/lib/influxdb3', '/var/lib/influxdb3/data', '/var/lib/influxdb3/plugins']) {
        const st = statSync(d);
        assert(st.uid === Number(pw[2]) && st.gid === Number(pw[3]), `${d} not owned by influxdb3`);
        assert((st.mode & 0o777) === 0o750, `${d} mode ${(st.mode & 0o777).toString(8)}`);
      }
      const conf = readFileSync(CONF, 'utf8');
      for (const [k, v] of SEED) assert(conf.includes(`\n${k}="${v}"\n`), `${CONF} lacks ${k}="${v}"`);
      const conffiles = shOk('dpkg-query', ['-W', '-f=${Conffiles}', 'influxdb3-engine']);
      assert(conffiles.includes(CONF), `not a conffile: ${conffiles}`);
      // The installed tree has no .git: the revision comes from dist/build-info.json, recorded when the package was built.
      const builtFrom = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
      const versionLine = shOk('/usr/bin/influxdb3', ['--version']).trim();
      assert(versionLine === `influxdb3 ${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}, revision ${builtFrom}`, `influxdb3 --version: ${versionLine}`);
      const node = shOk('/usr/lib/influxdb3-engine/node/bin/node', ['--version']).trim();
      assert(Number(node.slice(1).split('.')[0]) >= 20, `bundled node ${node}`);
      const unit = readFileSync('/lib/systemd/system/influxdb3-engine.service', 'utf8');
      for (const l of ['User=influxdb3', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/influxdb3', 'Restart=on-failure', `ExecStart=${EXEC_START.join(' ')}`]) {
        assert(unit.split('\n').includes(l), `unit lacks ${l}`);
      }
      assert(!unit.includes('without-auth'), 'the unit must not pass --without-auth');
      if (existsSync('/usr/bin/systemd-analyze')) {
        // verify also runs `man` for each man: Documentation= entry.
        const v = sh('systemd-analyze', ['verify', '/lib/systemd/system/influxdb3-engine.service']);
        assert(v.code === 0 && v.stderr.trim() === '', `systemd-analyze verify: ${v.stderr}`);
      }
      assert(existsSync('/usr/share/influxdb3-engine/examples/wal_summary.py'), 'examples missing');
      assert(existsSync('/usr/lib/influxdb3-engine/python-runner/plugin_runner/__pycache__'), 'postinst did not compile python-runner');
    });

    await check('documentation: README, docs/ (with the Grafana dashboard), copyright, changelog; every link and every path the unit, man page and config name exists', () => {
      for (const f of ['README.md', 'copyright', 'changelog.Debian.gz', ...repoDocs()]) assert(existsSync(join(DOC_DIR, f)), `${DOC_DIR}/${f} not installed`);
      assert(repoDocs().some((d) => /^docs\/grafana\/.+\.json$/.test(d)), 'no Grafana dashboard in docs/grafana');
      assert(/^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/$/m.test(readFileSync(join(DOC_DIR, 'copyright'), 'utf8')), 'copyright is not machine-readable');
      const broken = [];
      // Relative Markdown links of the installed README and docs.
      for (const md of ['README.md', ...repoDocs().filter((d) => d.endsWith('.md'))].map((f) => join(DOC_DIR, f))) {
        for (const [, target] of readFileSync(md, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z][a-z0-9+.-]*:|^#/i.test(target)) continue;
          const file = resolve(dirname(md), decodeURI(target.split('#')[0]));
          if (!existsSync(file)) broken.push(`${md}: ${target}`);
        }
      }
      // The unit's Documentation= (file:// and man:), and every /usr/share/doc path in the unit, config and man page.
      const unit = readFileSync('/lib/systemd/system/influxdb3-engine.service', 'utf8');
      const docs = lines(unit).filter((l) => l.startsWith('Documentation=')).flatMap((l) => l.slice('Documentation='.length).split(/\s+/));
      assert(docs.some((d) => d.startsWith('man:')) && docs.some((d) => d.startsWith('file://')), `Documentation= ${docs.join(' ')}`);
      for (const d of docs) {
        if (d.startsWith('file://')) { if (!existsSync(d.slice('file://'.length))) broken.push(`unit Documentation=${d}`); }
        else if (d.startsWith('man:')) {
          const [, page, section] = /^man:([^(]+)\((\d)\)$/.exec(d) ?? [];
          const w = sh('man', ['-w', section, page]);
          if (w.code !== 0 || !existsSync(w.stdout.trim())) broken.push(`unit Documentation=${d} (man -w: ${w.stderr.trim()})`);
        } else broken.push(`unit Documentation=${d}: not file:// or man:`);
      }
      const man = gunzipSync(readFileSync(MAN_PAGE)).toString('utf8').replace(/\\-/g, '-').replace(/\\:/g, '');
      for (const [name, text] of [['unit', unit], [CONF, readFileSync(CONF, 'utf8')], [MAN_PAGE, man]]) {
        for (const [p] of text.matchAll(/\/usr\/share\/(?:doc|man|influxdb3-engine)\/[\w./-]*[\w/]/g)) if (!existsSync(p)) broken.push(`${name}: ${p}`);
      }
      assert(!/See docs\//.test(readFileSync(CONF, 'utf8')), 'the config points at docs/ relative to nothing');
      assert(broken.length === 0, `links to files the package does not install:\n${broken.join('\n')}`);
    });

    await check('man influxdb3: renders without warnings, lists every command of the CLI with its aliases, options and env variables', async () => {
      const n = await checkManPage(MAN_PAGE);
      console.log(`          ${n} commands`);
    });

    await check('node_modules is pruned: no tests, docs, examples, benchmarks, CI files, source maps, type declarations or Markdown but licenses', () => {
      const shipped = lines(shOk('dpkg', ['-L', 'influxdb3-engine'])).filter((f) => f.startsWith('/usr/lib/influxdb3-engine/node_modules/'));
      assert(shipped.length > 100, `only ${shipped.length} node_modules entries`);
      const left = shipped.filter((f) => {
        const rel = f.slice('/usr/lib/influxdb3-engine/node_modules/'.length).split('/');
        const name = rel[rel.length - 1];
        return rel.slice(1).some((part) => /^(test|tests|__tests__|docs?|examples?|benchmarks?|coverage)$/.test(part) || part.startsWith('.')) ||
          /\.(d\.[cm]?ts|map)$/.test(name) || (/\.(md|markdown)$/i.test(name) && !/^(licen[cs]e|copying|notice)/i.test(name));
      });
      assert(left.length === 0, `${left.length} files that should be pruned, e.g.:\n${left.slice(0, 20).join('\n')}`);
      console.log(`          node_modules ${(nodeModules.before / 1048576).toFixed(1)} MiB before pruning, ${(nodeModules.after / 1048576).toFixed(1)} MiB shipped`);
    });

    // Start as systemd would. The file also says http-bind (port 1): the environment's port must win.
    setConfigLine('http-bind', 'http-bind = "127.0.0.1:1"');
    service = new Service(await freePort(), 'service.log');
    if (!(await check('the unit\'s ExecStart, run as influxdb3, serves (environment beats the file\'s http-bind)', async () => {
      await service.start();
      const pid = service.serverPid();
      assert(pid, 'no server process under runuser');
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
      assert(uid === shOk('id', ['-u', 'influxdb3']).trim(), `server runs as uid ${uid}`);
      assert(readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/usr/lib/influxdb3-engine/node/bin/node'), 'not the bundled node');
      assert(!/AUTHENTICATION IS DISABLED/.test(service.log()), 'the service runs without authentication');
      assert(/processing engine enabled/.test(service.log()), 'engine not on by default');
    }))) return;

    await check('auth is on: a write without a token is refused (401); the first admin token is created', async () => {
      const res = await service.request('/api/v3/configure/token/admin', { method: 'POST' });
      if (res.status === 404 || res.status === 405) throw new Skip('the server has no token auth yet');
      assert(res.status === 201 || res.status === 200, `POST /api/v3/configure/token/admin answered ${res.status}`);
      adminToken = (await res.json()).token;
      assert(adminToken, 'no token in the answer');
      const anon = await fetch(`${service.url}/api/v3/write_lp?db=pkgtest`, { method: 'POST', body: 'x v=1' });
      assert(anon.status === 401, `a write without a token answered ${anon.status}`);
    });

    await check('write line protocol (204), read it back', async () => {
      const res = await service.request('/api/v3/write_lp?db=pkgtest&precision=s', { method: 'POST', body: 'cpu,host=a usage=1.5 1735689600\n' });
      assert(res.status === 204, `write answered ${res.status}: ${await res.text()}`);
      const q = await service.request(`/api/v3/query_sql?db=pkgtest&q=${encodeURIComponent('SELECT host, usage FROM cpu')}&format=json`);
      const rows = await q.json();
      assert(q.status === 200 && rows.length === 1 && rows[0].usage === 1.5, `query: ${q.status} ${JSON.stringify(rows)}`);
      assert(existsSync('/var/lib/influxdb3/data/wal') && statSync('/var/lib/influxdb3/data/wal').uid !== 0, 'data not in /var/lib/influxdb3/data');
    });

    await check('the web console is installed and served at /ui/ with its CSP and assets', async () => {
      const page = await service.request('/ui/');
      const html = await page.text();
      assert(page.status === 200 && /<html/i.test(html), `/ui/ answered ${page.status}`);
      assert(/default-src 'self'/.test(page.headers.get('content-security-policy') ?? ''), `no strict CSP on /ui/: ${page.headers.get('content-security-policy')}`);
      const assets = [...html.matchAll(/(?:src|href)="(?:\/ui\/)?([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
      assert(assets.length > 0, `/ui/ names no script or style: ${html.slice(0, 300)}`);
      for (const a of assets) {
        const r = await service.request(`/ui/${a}`);
        assert(r.status === 200 && (await r.arrayBuffer()).byteLength > 0, `/ui/${a} answered ${r.status}`);
      }
    });

    await check('a plugin dropped into /var/lib/influxdb3/plugins runs from a WAL trigger; its rows are queryable', async () => {
      copyFileSync('/usr/share/influxdb3-engine/examples/wal_summary.py', '/var/lib/influxdb3/plugins/wal_summary.py');
      const res = await service.request('/api/v3/configure/processing_engine_trigger', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          db: 'pkgtest', plugin_filename: 'wal_summary.py', trigger_name: 'summarise', trigger_specification: 'all_tables',
          trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: null, disabled: false,
        }),
      });
      assert(res.status >= 200 && res.status < 300, `create trigger answered ${res.status}: ${await res.text()}`);
      await untilSummarised(service, 'cpu');
      const runner = sh('pgrep', ['-u', 'influxdb3', '-f', 'plugin_runner']).stdout.trim();
      assert(runner, 'no plugin runner process of user influxdb3');
    });

    await check('SIGTERM stops the service cleanly (exit 0)', async () => {
      const r = await service.stop();
      assert(r && r.code === 0, `exit ${JSON.stringify(r)}\n${service.log().slice(-1500)}`);
    });

    await check('a migrated upstream unit (influxdb3 serve with upstream flags, as influxdb3) serves /health and logs one WARN, JSON lines without duplicate keys', async () => {
      const port = await freePort();
      // An ExecStart as upstream's documentation writes one, with flags that do not apply here, over the data the
      // package's service wrote (its admin token and trigger: a fresh data dir would add the no-admin-token WARN).
      const s = new Service(port, 'service-migrated.log', ['/usr/bin/influxdb3', 'serve',
        '--node-id', 'primary-node', '--object-store', 'file', '--data-dir', '/var/lib/influxdb3/data',
        '--plugin-dir', '/var/lib/influxdb3/plugins', '--http-bind', `127.0.0.1:${port}`, '--disable-authz', 'health',
        '--log-format', 'json', '--disable-telemetry-upload', '--gen1-duration', '10m', '--parquet-mem-cache-size', '2000']);
      try {
        await s.start();
        const health = await fetch(`${s.url}/health`);
        assert(health.status === 200, `/health answered ${health.status}: ${await health.text()}`);
        // It runs the stored trigger too: a write to a new table gets summarised (and the catch-up is done).
        await untilSummarised(s, 'migrated');
      } finally {
        await s.stop();
      }
      const { duplicateKeys } = await tsImport('../test/helpers/json-keys.ts', import.meta.url);
      const logLines = lines(s.log());
      assert(logLines.length > 0, 'no log lines');
      const records = logLines.map((l) => {
        let rec;
        try {
          rec = JSON.parse(l);
        } catch {
          throw new Error(`not a JSON line: ${l}`);
        }
        const dups = duplicateKeys(l);
        assert(dups.length === 0, `duplicate keys ${dups.join(', ')} in ${l}`);
        return rec;
      });
      // pino levels: 40 = warn; the level may also be written as a label.
      const warns = records.filter((r) => r.level === 40 || String(r.level).toLowerCase() === 'warn');
      assert(warns.length === 1, `${warns.length} WARN lines, expected one:\n${warns.map((w) => JSON.stringify(w)).join('\n')}`);
      const warn = JSON.stringify(warns[0]);
      for (const flag of ['gen1-duration', 'parquet-mem-cache-size']) assert(warn.includes(flag), `the WARN does not name --${flag}: ${warn}`);
      assert(!records.some((r) => r.level >= 50 || /^(error|fatal)$/i.test(String(r.level))), 'an ERROR was logged');
    });

    await check('seed rule: plugin-dir commented out turns the engine off', async () => {
      setConfigLine('plugin-dir', '# plugin-dir = "/var/lib/influxdb3/plugins"');
      const s = new Service(await freePort(), 'service-engine-off.log');
      try {
        await s.start();
        assert(/processing engine disabled/.test(s.log()), 'engine not reported off');
        const res = await s.request('/api/v3/configure/processing_engine_trigger', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ db: 'pkgtest', plugin_filename: 'wal_summary.py', trigger_name: 'again', trigger_specification: 'all_tables', trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: null, disabled: false }),
        });
        const text = await res.text();
        assert(res.status >= 400 && /No plugin directory configured/.test(text), `create trigger: ${res.status} ${text}`);
      } finally {
        await s.stop();
      }
    });

    await check('plugin-dir = "" (the working directory, which holds data/) is refused, naming the keys to change', async () => {
      setConfigLine('plugin-dir', 'plugin-dir = ""');
      const s = new Service(await freePort(), 'service-empty-plugin-dir.log');
      let started = false;
      try {
        await s.start();
        started = true;
      } catch {
        // expected: the server exits before listening
      } finally {
        if (s.proc && s.proc.exitCode === null) await s.stop();
      }
      assert(!started, 'the server started with its plugin dir containing its data dir');
      assert(/contains the data directory/.test(s.log()) && /plugin-dir/.test(s.log()) && /data-dir/.test(s.log()), `no clear refusal:\n${s.log().slice(-1500)}`);
    });

    await check('dpkg -r: program files go, config, data and user stay', () => {
      shOk('dpkg', ['-r', 'influxdb3-engine']);
      for (const p of ['/usr/lib/influxdb3-engine', '/usr/lib/influxdb3', '/usr/bin/influxdb3', '/lib/systemd/system/influxdb3-engine.service', '/usr/share/influxdb3-engine']) {
        assert(!existsSync(p), `${p} left after remove`);
      }
      assert(existsSync(CONF), 'config removed by remove');
      assert(existsSync('/var/lib/influxdb3/data/wal'), 'data removed by remove');
      assert(sh('getent', ['passwd', 'influxdb3']).code === 0, 'user removed by remove');
    });

    await check('dpkg --purge: /etc/influxdb3 gone; data and the system user kept (Debian: do not delete users that own files)', () => {
      const out = shOk('dpkg', ['--purge', 'influxdb3-engine']);
      assert(!existsSync('/etc/influxdb3'), '/etc/influxdb3 left after purge');
      assert(!known(), 'dpkg still knows the package');
      for (const p of ['/usr/lib/influxdb3-engine', '/usr/lib/influxdb3', '/usr/bin/influxdb3', '/usr/share/doc/influxdb3-engine']) {
        assert(!existsSync(p), `${p} left after purge`);
      }
      assert(existsSync('/var/lib/influxdb3/data/wal') && existsSync('/var/lib/influxdb3/plugins/wal_summary.py'), 'data or plugins deleted by purge');
      assert(sh('getent', ['passwd', 'influxdb3']).code === 0, 'user removed by purge');
      assert(/kept \/var\/lib\/influxdb3/.test(out), `purge does not say what it kept: ${out}`);
    });
  } finally {
    if (service) await service.stop().catch(() => undefined);
    for (const pid of sh('pgrep', ['-u', 'influxdb3']).stdout.trim().split('\n').filter(Boolean)) {
      spawnSync('kill', ['-KILL', pid]);
    }
    if (known()) sh('dpkg', ['--purge', 'influxdb3-engine']);
    // Leave the machine as we found it: what purge keeps on purpose goes too, since the test made it.
    if (existsSync(STAMP)) rmSync('/var/lib/influxdb3', { recursive: true, force: true });
    if (!userExisted && sh('getent', ['passwd', 'influxdb3']).code === 0) sh('userdel', ['influxdb3']);
    if (sh('getent', ['group', 'influxdb3']).code === 0 && !userExisted) sh('groupdel', ['influxdb3']);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// node_modules size before and after pruning, from the .deb build.
let nodeModules = null;

async function main() {
  mkdirSync(outDir, { recursive: true });
  console.log('build:');
  let deb = null;
  await check('npm run package:deb builds the package (node_modules pruned)', async () => {
    ({ file: deb, nodeModules } = await buildDeb({ build, fast: true }));
  });
  if (deb) await lintianTests(deb);
  await launcherTests();
  await rpmTests();
  if (deb) await debTests(deb);
  else skip('deb install test', 'no package');
}

try {
  await main();
} catch (err) {
  results.failed++;
  console.log(`  FAILED  ${err?.stack ?? err}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`test:package: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped (${seconds} s)${failures.length ? ` — failed: ${failures.join('; ')}` : ''}`);
if (process.env.TEST_SUMMARY_DIR) {
  mkdirSync(process.env.TEST_SUMMARY_DIR, { recursive: true });
  writeFileSync(join(process.env.TEST_SUMMARY_DIR, 'test-package.json'), JSON.stringify(results));
}
process.exit(results.failed ? 1 : 0);
