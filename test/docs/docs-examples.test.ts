import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, startServer, type ServerHandle } from '../helpers/server-process.js';
import { commandsForServer, extractExamples, outputMismatch, TOKEN_IN_OUTPUT, type DocExample, type ServerMode } from './doc-examples.js';
import { ShellSession } from './shell-session.js';

// Runs the shell examples of README.md and docs/*.md, in order, against real servers, and compares what they print
// with the output the page shows. The conventions (fences, directives, placeholders) are in doc-examples.ts.
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const BLOCK_TIMEOUT_MS = 30_000;

interface PageRun {
  servers: Map<ServerMode, { server: ServerHandle; shell: ShellSession }>;
  work: string;
  lastToken: string | null;
}

describe('docs: README.md and docs/*.md examples print what they show', function () {
  this.timeout(60_000);
  let root: string;
  let pluginDir: string;
  let curlHome: string;
  let pathDir: string;
  const skipped: DocExample[] = [];
  let ran = 0;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'influxdb3-docs-'));
    // One plugin directory for every server, as `npm start` uses ./plugins; its venv is made once.
    pluginDir = join(root, 'plugins');
    mkdirSync(pluginDir);
    for (const f of readdirSync(join(ROOT, 'plugins')).filter((n) => n.endsWith('.py'))) cpSync(join(ROOT, 'plugins', f), join(pluginDir, f));
    // curl shows no progress meter on a terminal; in a pipe it does unless told to be silent.
    curlHome = join(root, 'curl');
    mkdirSync(curlHome);
    writeFileSync(join(curlHome, '.curlrc'), '--silent\n--show-error\n');
    // `influxdb3` on PATH, as after a package install or `npm link`.
    pathDir = join(root, 'path');
    mkdirSync(pathDir);
    symlinkSync(BIN, join(pathDir, 'influxdb3'));
  });

  after(function () {
    rmSync(root, { recursive: true, force: true });
    const list = skipped.map((e) => `  ${e.file}:${e.line}: ${e.notRun}`).join('\n');
    console.log(`      docs examples: ${ran} run, ${skipped.length} not run (<!-- not-run -->)${list ? `:\n${list}` : ''}`);
  });

  const cleanEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(INFLUXDB3_|LOG_)/.test(k) && k !== 'CURL_HOME') env[k] = v;
    return { ...env, CURL_HOME: curlHome, HOME: curlHome, PATH: `${pathDir}:${process.env.PATH ?? ''}`, TZ: 'UTC', LC_ALL: 'C.UTF-8' };
  };

  async function session(page: PageRun, mode: ServerMode): Promise<{ server: ServerHandle; shell: ShellSession }> {
    const existing = page.servers.get(mode);
    if (existing) return existing;
    const server = await startServer({ args: ['--plugin-dir', pluginDir], withoutAuth: mode === 'npm start' ? undefined : false });
    const shell = new ShellSession(page.work, root, { ...cleanEnv(), INFLUXDB3_HOST_URL: server.url });
    const started = { server, shell };
    page.servers.set(mode, started);
    return started;
  }

  it('every sh fence of the pages is an example (run or marked not-run)', () => {
    for (const file of PAGES) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const fences = text.split('\n').filter((l) => /^\s*```sh\s*$/.test(l)).length;
      expect(extractExamples(file, text).length, file).to.equal(fences);
    }
    expect(extractExamples('README.md', readFileSync(join(ROOT, 'README.md'), 'utf8')).filter((e) => e.notRun === null).length, 'README examples run').to.be.greaterThan(0);
  });

  for (const file of PAGES) {
    const examples = extractExamples(file, readFileSync(join(ROOT, file), 'utf8'));
    if (examples.length === 0) continue;

    describe(file, () => {
      const page: PageRun = { servers: new Map(), work: '', lastToken: null };
      let failed = false;

      before(async () => {
        page.work = join(root, file.replace(/\W/g, '_'));
        mkdirSync(page.work);
        // `bin/influxdb3` as in a checkout: the page's working directory stands for the repository root.
        symlinkSync(join(ROOT, 'bin'), join(page.work, 'bin'));
        // The page's servers start together rather than one in the middle of the page.
        const modes = new Set(examples.filter((e) => e.notRun === null).map((e) => e.server));
        await Promise.all([...modes].map((mode) => session(page, mode)));
      });

      after(async () => {
        for (const { server, shell } of page.servers.values()) {
          await shell.close();
          await server.stop();
        }
      });

      for (const example of examples) {
        const title = `${file}:${example.line} ${example.commands.split('\n').find((l) => l.trim() && !l.startsWith('#'))?.slice(0, 70) ?? ''}`;
        if (example.notRun !== null) {
          skipped.push(example);
          it.skip(`${title} (not run: ${example.notRun})`);
          continue;
        }
        it(title, async function () {
          // The examples of a page build on each other: after a failure the rest of the page would only repeat it.
          if (failed) this.skip();
          failed = true;
          ran++;
          const { server, shell } = await session(page, example.server);
          const commands = commandsForServer(example.commands, `127.0.0.1:${server.port}`, page.lastToken);
          const printed = await shell.run(commands, BLOCK_TIMEOUT_MS);
          for (const m of printed.matchAll(TOKEN_IN_OUTPUT)) page.lastToken = m[0];
          const diff = outputMismatch(example.expected, printed);
          expect(diff, `${file}:${example.line}: ${diff}\n--- printed ---\n${printed}\n--- server log (last 20) ---\n${server.logs.slice(-20).join('\n')}`).to.equal(null);
          failed = false;
        });
      }
    });
  }
});
