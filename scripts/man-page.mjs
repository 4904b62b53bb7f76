// node scripts/man-page.mjs [OUT] — writes the influxdb3(1) man page (roff; OUT ending in .gz: gzipped), generated from
// the CLI's commander tree in dist/ (run `npm run build` first). Without OUT it prints the roff to stdout.
// Every visible command with its aliases, arguments and options is listed as `influxdb3 --help` shows them: the
// terms and descriptions (with defaults, choices and env variables) come from commander's own Help, so the page and
// --help cannot disagree. The packages install it as /usr/share/man/man1/influxdb3.1.gz (scripts/package-stage.mjs).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// Text for a roff text line: backslashes escaped, non-ASCII as \[uXXXX] (groff warns about raw 8-bit input), and a
// leading . or ' (a control line) neutralised. Long URLs and paths may break after a slash (\:): one can be wider than
// a narrow terminal.
export function roffText(text) {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === '\\') out += '\\e';
    else if (ch === '`') out += '\\(ga';
    else if (ch === '-') out += '\\-';
    else if (code > 126 || (code < 32 && ch !== '\t')) out += `\\[u${code.toString(16).toUpperCase().padStart(4, '0')}]`;
    else out += ch;
  }
  out = out.replace(/\S{25,}/g, (word) => word.replace(/\/(?=[^/])/g, '/\\:'));
  return /^[.']/.test(out) ? `\\&${out}` : out;
}

// A paragraph of free text: blank lines become paragraph breaks, other line breaks are kept.
function paragraphs(text) {
  return text.trim().split(/\n\s*\n/).map((p) => p.split('\n').map((l) => roffText(l.trim())).join('\n.br\n')).join('\n.PP\n');
}

// Visible subcommands, without commander's implicit `help` command (not in .commands; every command has -h, --help).
function subcommands(help, cmd) {
  return help.visibleCommands(cmd).filter((c) => cmd.commands.includes(c));
}

// A command's section: usage line, aliases, description, arguments, options; then its subcommands, depth first.
function commandSection(help, cmd, path) {
  const out = [];
  const full = [...path, cmd.name()].join(' ');
  out.push(`.SS "${roffText(help.commandUsage(cmd))}"`);
  if (cmd.aliases().length) out.push(`Alias: \\fB${roffText([...path, cmd.aliases()[0]].join(' '))}\\fR`, '.br');
  out.push(paragraphs(help.commandDescription(cmd) || full));
  const args = help.visibleArguments(cmd);
  if (args.length) {
    out.push('.PP', 'Arguments:');
    for (const a of args) out.push('.TP', `\\fI${roffText(help.argumentTerm(a))}\\fR`, roffText(help.argumentDescription(a)));
  }
  const opts = help.visibleOptions(cmd);
  if (opts.length) {
    out.push('.PP', 'Options:');
    for (const o of opts) out.push('.TP', `\\fB${roffText(help.optionTerm(o))}\\fR`, roffText(help.optionDescription(o)));
  }
  for (const sub of subcommands(help, cmd)) out.push(...commandSection(help, sub, [...path, cmd.name()]));
  return out;
}

// The whole page for a commander program.
export function manPage(program, { version, date, docDir = '/usr/share/doc/influxdb3-engine', confFile = '/etc/influxdb3/influxdb3-engine.conf' }) {
  const help = program.createHelp();
  const name = program.name();
  const [summary, ...rest] = program.description().split('\n');
  const tops = subcommands(help, program);
  const out = [
    `.TH ${name.toUpperCase()} 1 "${date}" "influxdb3-engine ${roffText(version)}" "User Commands"`,
    // Flags and variable names are not hyphenated, and long ones do not stretch the line into wide gaps.
    '.nh',
    '.ad l',
    '.SH NAME',
    `${name} \\- ${roffText(summary.replace(/^[^:]*: /, ''))}`,
    '.SH SYNOPSIS',
    `.B ${name}`,
    '[\\fIcommand\\fR] [\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    paragraphs([summary, ...rest].join('\n')),
    '.PP',
    'Commands:',
  ];
  for (const c of tops) out.push('.TP', `\\fB${roffText(help.subcommandTerm(c))}\\fR`, roffText(help.subcommandDescription(c)));
  out.push('.SH OPTIONS');
  for (const o of help.visibleOptions(program)) out.push('.TP', `\\fB${roffText(help.optionTerm(o))}\\fR`, roffText(help.optionDescription(o)));
  out.push('.SH COMMANDS');
  for (const c of tops) out.push(...commandSection(help, c, [name]));
  out.push(
    '.SH FILES',
    '.TP', `.I ${roffText(confFile)}`,
    roffText('settings of the influxdb3-engine service (flat TOML, one key per serve flag)'),
    '.TP', `.I ${roffText(docDir)}`,
    roffText('README.md and docs/: authentication, TLS, the Processing Engine, monitoring (Grafana dashboard in docs/grafana/), compatibility with InfluxDB 3 Core'),
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '.BR journalctl (1)',
    '',
  );
  return out.join('\n');
}

// Loads the CLI from `root`'s dist/ and writes the page to `file` (gzipped when it ends in .gz).
export async function writeManPage(file, { root = repoRoot, date = buildDate() } = {}) {
  const { buildCli } = await import(pathToFileURL(join(root, 'dist', 'cli', 'cli.js')).href);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const roff = manPage(buildCli(), { version, date });
  mkdirSync(dirname(file), { recursive: true });
  // mtime 0 in the gzip header: the same page gives the same bytes (lintian: package-contains-timestamped-gzip).
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(roff, { level: 9 }) : roff);
  return roff;
}

// SOURCE_DATE_EPOCH for reproducible builds, else today.
function buildDate() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return new Date(epoch ? Number(epoch) * 1000 : Date.now()).toISOString().slice(0, 10);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (out) await writeManPage(out);
  else {
    const { buildCli } = await import(pathToFileURL(join(repoRoot, 'dist', 'cli', 'cli.js')).href);
    process.stdout.write(manPage(buildCli(), { version: JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version, date: buildDate() }));
  }
}
