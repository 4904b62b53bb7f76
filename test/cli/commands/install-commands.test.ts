import { expect } from 'chai';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';
import { runCli } from '../../helpers/server-process.js';

const PACKAGES = '/api/v3/configure/plugin_environment/install_packages';
const REQUIREMENTS = '/api/v3/configure/plugin_environment/install_requirements';

describe('cli/commands/install-commands', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder();
  });
  afterEach(() => server.close());
  const sent = () => server.requests.map((r) => ({ path: r.path, body: JSON.parse(r.body) as unknown, auth: r.headers.authorization }));

  it('install package PKG... posts the packages and confirms', async () => {
    const r = await runCliCaptured(['install', 'package', '-H', server.url, '--token', 'tok', 'pandas==2.2.0', 'requests']);
    expect(r).to.deep.equal({ code: 0, stdout: 'Packages installed successfully: pandas==2.2.0, requests\n', stderr: '' });
    expect(sent()).to.deep.equal([{ path: PACKAGES, body: { packages: ['pandas==2.2.0', 'requests'] }, auth: 'Bearer tok' }]);
  });

  it('install package -r PATH posts the server-side requirements path', async () => {
    const r = await runCliCaptured(['install', 'package', '-H', server.url, '-r', '/srv/plugins/requirements.txt']);
    expect(r).to.deep.equal({ code: 0, stdout: 'Requirements from /srv/plugins/requirements.txt installed successfully\n', stderr: '' });
    expect(sent()).to.deep.equal([{ path: REQUIREMENTS, body: { requirements_location: '/srv/plugins/requirements.txt' }, auth: undefined }]);
  });

  it('with both, installs the requirements and then the packages', async () => {
    const r = await runCliCaptured(['install', 'package', '-H', server.url, '--requirements', 'req.txt', 'tinypkg']);
    expect(r.code, r.stderr).to.equal(0);
    expect(sent().map((s) => s.path)).to.deep.equal([REQUIREMENTS, PACKAGES]);
  });

  it('refuses nothing-to-install and bad names on the client, sending nothing', async () => {
    let r = await runCliCaptured(['install', 'package', '-H', server.url]);
    expect(r).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: nothing to install: give package names or -r/--requirements <path>\n' });
    r = await runCliCaptured(['install', 'package', '-H', server.url, 'ok', 'bad;marker']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`Error: invalid package "bad;marker": environment markers (';') are not accepted; use a requirements file\n`);
    r = await runCliCaptured(['install', 'package', '-H', server.url, '--', '-e']);
    expect(r.stderr).to.include(`invalid package "-e": a package may not start with '-'`);
    expect(server.requests).to.deep.equal([]);
  });

  it("prints the server's error (pip's exit code and output tail) and exits 1", async () => {
    const message = 'installing nope failed: pip exited with code 1; last lines of its output:\nERROR: No matching distribution found for nope';
    server.reply = () => ({ status: 500, body: { error: message, data: { exit_code: 1 } } });
    const r = await runCliCaptured(['install', 'package', '-H', server.url, 'nope']);
    expect(r).to.deep.equal({ code: 1, stdout: '', stderr: `Error: ${message}\n` });
  });

  it('accepts upstream\'s engine flags, sends the same request, and notes they configure the server', async () => {
    const r = await runCliCaptured([
      'install', 'package', '-H', server.url, '--plugin-dir', '/srv/plugins', '--virtual-env-location', '/srv/venv',
      '--package-manager', 'uv', '--plugin-repo', 'https://example.com/plugins', '--restrict-plugin-triggers-to', 'schedule', 'tinypkg',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('Packages installed successfully: tinypkg\n');
    expect(r.stderr).to.equal('note: --plugin-dir, --virtual-env-location, --package-manager, --plugin-repo, --restrict-plugin-triggers-to configure the server (influxdb3 serve), not this command: ignored here, as upstream does\n');
    expect(sent()).to.deep.equal([{ path: PACKAGES, body: { packages: ['tinypkg'] }, auth: undefined }]);
    // commander refuses a bad choice by exiting, so the bin runs it
    const bad = await runCli(['install', 'package', '-H', server.url, '--package-manager', 'conda', 'tinypkg']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include("'conda'");
  });

  describe("pip's progress", () => {
    const ndjson = (...events: unknown[]) => ({ contentType: 'application/x-ndjson', body: events.map((e) => `${JSON.stringify(e)}\n`).join('') });

    it("asks for the progress stream and prints pip's lines on stderr; stdout and the exit code stay as they were", async () => {
      server.reply = () => ndjson(
        { type: 'progress', line: 'Processing /wheels/tinypkg-0.1.0-py3-none-any.whl' },
        { type: 'progress', line: 'Successfully installed tinypkg-0.1.0' },
        { type: 'result', installed: ['tinypkg-0.1.0'], exit_code: 0, elapsed_ms: 12 },
      );
      const r = await runCliCaptured(['install', 'package', '-H', server.url, 'tinypkg']);
      expect(r).to.deep.equal({
        code: 0,
        stdout: 'Packages installed successfully: tinypkg\n',
        stderr: '  Processing /wheels/tinypkg-0.1.0-py3-none-any.whl\n  Successfully installed tinypkg-0.1.0\n',
      });
      expect(server.requests[0]!.headers.accept).to.match(/^application\/x-ndjson\b/);
    });

    it("an error line ends the command with the server's message and exit code 1", async () => {
      const message = 'installing nope failed: pip exited with code 1; last lines of its output:\nERROR: No matching distribution found for nope';
      server.reply = () => ndjson({ type: 'progress', line: 'Looking in links: /wheels' }, { type: 'error', status: 500, error: message, data: { exit_code: 1 } });
      const r = await runCliCaptured(['install', 'package', '-H', server.url, 'nope']);
      expect(r).to.deep.equal({ code: 1, stdout: '', stderr: `  Looking in links: /wheels\nError: ${message}\n` });
    });

    it('a stream cut before its last line is an error saying the outcome is unknown', async () => {
      server.reply = () => ndjson({ type: 'progress', line: 'Collecting tinypkg' });
      const r = await runCliCaptured(['install', 'package', '-H', server.url, '-r', 'requirements.txt']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.equal(`  Collecting tinypkg\nError: the server closed the progress stream of ${REQUIREMENTS} before the end: the outcome is unknown; check the server log\n`);
    });

    it('-q/--quiet sends the plain request (no stream asked, nothing on stderr)', async () => {
      for (const flag of ['-q', '--quiet']) {
        server.requests.length = 0;
        const r = await runCliCaptured(['install', 'package', '-H', server.url, flag, 'tinypkg']);
        expect(r).to.deep.equal({ code: 0, stdout: 'Packages installed successfully: tinypkg\n', stderr: '' });
        expect(server.requests[0]!.headers.accept ?? '').to.not.include('ndjson');
      }
    });
  });
});
