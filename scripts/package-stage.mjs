// Shared by package-deb.mjs and package-rpm.mjs: lays out the installed file tree of the influxdb3-engine
// package (the server with its own Node runtime, production node_modules, python-runner, launcher, unit, config).
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeManPage } from './man-page.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = join(repoRoot, 'tmp', 'packages');
export const PACKAGE = 'influxdb3-engine';
export const LIB = '/usr/lib/influxdb3-engine';
export const DOC_DIR = `/usr/share/doc/${PACKAGE}`;
export const MAN_PAGE = '/usr/share/man/man1/influxdb3.1.gz';

// Values a fresh install runs with; written into the shipped config, keys uncommented.
export const SEED = [
  ['plugin-dir', '/var/lib/influxdb3/plugins'],
  ['data-dir', '/var/lib/influxdb3/data'],
  ['object-store', 'file'],
  ['node-id', 'primary-node'],
];

export function packageVersion() {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
}

// Debian and RPM names of the machine architecture (the Node binary and DuckDB's binding are native).
export function arch() {
  const map = { x64: ['amd64', 'x86_64'], arm64: ['arm64', 'aarch64'] };
  const a = map[process.arch];
  if (!a) throw new Error(`unsupported architecture ${process.arch}`);
  return { deb: a[0], rpm: a[1] };
}

export function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

// The package's maintainer: package.json's "author" (DEBFULLNAME/DEBEMAIL, as for any Debian tool, win over it).
export function maintainer() {
  if (process.env.DEBEMAIL) return `${process.env.DEBFULLNAME ?? 'influxdb3-engine maintainers'} <${process.env.DEBEMAIL}>`;
  const { author } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const text = typeof author === 'object' && author ? `${author.name} <${author.email}>` : author;
  if (!/^[^<>]+ <[^@<>\s]+@[^@<>\s]+\.[a-z]+>$/.test(text ?? '') || /@localhost>/.test(text)) {
    throw new Error(`package.json "author" must be "Name <address>" with a real mail domain (got ${JSON.stringify(author)}); or set DEBEMAIL`);
  }
  return text;
}

// conf/influxdb3-engine.conf with the SEED keys set: their commented `# key = "..."` line (or indented example
// `#   key = "..."`) becomes `key="value"`; its `docs/x.md` references point at the installed copies.
export function seededConfig(text, docDir = DOC_DIR) {
  let out = text.replace(/(?<![\w/.])docs\/([\w./-]+\.(?:md|json))/g, `${docDir}/docs/$1`);
  for (const [key, value] of SEED) {
    const re = new RegExp(`^#\\s+${key.replace(/-/g, '\\-')} = .*$`, 'm');
    if (!re.test(out)) throw new Error(`conf/influxdb3-engine.conf has no commented '# ${key} = ...' line to seed`);
    out = out.replace(re, `${key}="${value}"`);
  }
  return out;
}

function copyTree(from, to, skip = () => false) {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: (src) => !skip(src) });
}

// What of an npm module is never loaded at run time: tests, docs, examples, benchmarks, CI and editor files, source
// maps, type declarations and TypeScript sources, Markdown (LICENSE files stay, whatever their extension), and musl
// builds of native modules (they never load on glibc).
const PRUNE_DIRS = new Set(['test', 'tests', '__tests__', '__mocks__', 'doc', 'docs', 'example', 'examples', 'benchmark', 'benchmarks', 'coverage', 'man']);
const KEEP_FILE = /^(licen[cs]e|copying|notice)(\b|[-._]|$)/i;
const PRUNE_FILE = /(\.d\.[cm]?ts|\.[cm]?ts|\.map|\.md|\.markdown|\.musl\.node)$/i;

// Prunes `dir` (a node_modules tree) in place; returns its size in bytes before and after.
function pruneModules(dir) {
  const before = treeBytes(dir);
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      // Dot entries (.github, .eslintrc*, .travis.yml, .npmignore, ...): CI, editor and VCS files.
      if (name.startsWith('.') || (st.isDirectory() && PRUNE_DIRS.has(name))) rmSync(p, { recursive: true, force: true });
      else if (st.isDirectory()) walk(p);
      else if (PRUNE_FILE.test(name) && !KEEP_FILE.test(name)) rmSync(p);
    }
  };
  for (const name of readdirSync(dir)) {
    // Scopes (@duckdb) hold packages; a package directory's own name is never pruned.
    const p = join(dir, name);
    if (name.startsWith('@')) for (const pkg of readdirSync(p)) walk(join(p, pkg));
    else if (lstatSync(p).isDirectory()) walk(p);
  }
  return { before, after: treeBytes(dir) };
}

// True for an ELF binary or a #! script: the only files that keep an executable bit.
function isExecutable(file) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    return (n >= 2 && head.toString('latin1', 0, 2) === '#!') || (n === 4 && head.toString('latin1') === '\x7fELF');
  } finally {
    closeSync(fd);
  }
}

// Files 0644 and directories 0755; files the checkout marks executable stay 0755 if they are ELF binaries or
// scripts (lintian: executable-not-elf-or-script); shared objects are 0644.
function normaliseModes(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      normaliseModes(p);
    } else {
      chmodSync(p, st.mode & 0o111 && !/\.(so|node)$/.test(name) && isExecutable(p) ? 0o755 : 0o644);
    }
  }
}

// Builds dist/ (unless build is false), then fills `<stageDir>` with the installed tree. `unitDir` differs:
// Debian 12 ships units in /lib/systemd/system, RPM distributions in /usr/lib/systemd/system.
export async function stage({ stageDir, unitDir, docDir = DOC_DIR, build = true }) {
  const started = Date.now();
  if (build) run('npm', ['run', '--silent', 'build'], { cwd: repoRoot });
  if (!existsSync(join(repoRoot, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run npm run build');
  if (!existsSync(join(repoRoot, 'node_modules', '@duckdb', 'node-api'))) throw new Error('node_modules is missing: run npm ci');
  rmSync(stageDir, { recursive: true, force: true });
  const lib = join(stageDir, LIB);
  mkdirSync(lib, { recursive: true });

  // The server: dist/, package.json ("type": "module" and the version), python-runner (without its tests).
  copyTree(join(repoRoot, 'dist'), join(lib, 'dist'));
  copyFileSync(join(repoRoot, 'package.json'), join(lib, 'package.json'));
  copyTree(join(repoRoot, 'python-runner', 'plugin_runner'), join(lib, 'python-runner', 'plugin_runner'),
    (src) => /__pycache__|\.pyc$/.test(src));

  // Production dependencies only: copy node_modules and prune the dev tree away with the lock file (offline, no
  // install scripts; DuckDB's native binding is a regular optional dependency and stays).
  copyFileSync(join(repoRoot, 'package-lock.json'), join(lib, 'package-lock.json'));
  copyTree(join(repoRoot, 'node_modules'), join(lib, 'node_modules'), (src) => src.includes(`${join('node_modules', '.cache')}`));
  run('npm', ['prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: lib, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(join(lib, 'package-lock.json'));
  rmSync(join(lib, 'node_modules', '.package-lock.json'), { force: true });
  const pruned = pruneModules(join(lib, 'node_modules'));
  if (!existsSync(join(lib, 'node_modules', '@duckdb', `node-bindings-linux-${process.arch}`))) {
    throw new Error(`DuckDB's native binding (@duckdb/node-bindings-linux-${process.arch}) did not survive the prune`);
  }

  // The Node runtime the package runs on: this very binary (Node >= 20, linked against glibc/libstdc++ only).
  mkdirSync(join(lib, 'node', 'bin'), { recursive: true });
  copyFileSync(process.execPath, join(lib, 'node', 'bin', 'node'));
  // Debug symbols are a quarter of both binaries; drop them when binutils is there (the package works either way).
  for (const bin of [join(lib, 'node', 'bin', 'node'), ...nativeLibraries(join(lib, 'node_modules'))]) {
    try {
      execFileSync('strip', ['--strip-unneeded', bin], { stdio: 'ignore' });
    } catch {
      // no strip: ship unstripped
    }
  }
  normaliseModes(lib);
  chmodSync(join(lib, 'node', 'bin', 'node'), 0o755);

  const put = (src, dest, mode) => {
    const to = join(stageDir, dest);
    mkdirSync(dirname(to), { recursive: true });
    if (typeof src === 'string') copyFileSync(src, to);
    else writeFileSync(to, src.text);
    chmodSync(to, mode);
  };
  const pk = (name) => join(repoRoot, 'packaging', name);
  put(pk('influxdb3'), '/usr/bin/influxdb3', 0o755);
  put(pk('influxdb3-launcher'), '/usr/lib/influxdb3/influxdb3-launcher', 0o755);
  put(pk('influxdb3-engine.service'), `${unitDir}/influxdb3-engine.service`, 0o644);
  put({ text: seededConfig(readFileSync(join(repoRoot, 'conf', 'influxdb3-engine.conf'), 'utf8')) },
    '/etc/influxdb3/influxdb3-engine.conf', 0o644);
  for (const f of readdirSync(join(repoRoot, 'plugins'))) {
    if (/\.(py|md)$/.test(f)) put(join(repoRoot, 'plugins', f), `/usr/share/influxdb3-engine/examples/${f}`, 0o644);
  }
  // The documentation the README, the unit, the man page and the config point at, laid out as in the repository so
  // that the README's relative links (docs/..., docs/grafana/...) resolve.
  put(join(repoRoot, 'README.md'), `${docDir}/README.md`, 0o644);
  copyTree(join(repoRoot, 'docs'), join(stageDir, docDir, 'docs'));
  await writeManPage(join(stageDir, MAN_PAGE));
  normaliseModes(join(stageDir, 'usr', 'share'));
  return { stageDir, seconds: (Date.now() - started) / 1000, nodeModules: pruned };
}

function walkFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) found.push(...walkFiles(p));
    else if (st.isFile()) found.push(p);
  }
  return found;
}

function nativeLibraries(dir) {
  return walkFiles(dir).filter((f) => /\.(so|node)$/.test(f));
}

// Installed size in KiB (du -sk semantics, roughly).
export function treeKiB(dir) {
  return Math.ceil(treeBytes(dir) / 1024);
}

function treeBytes(dir) {
  let bytes = 0;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else bytes += st.size;
    }
  };
  walk(dir);
  return bytes;
}
