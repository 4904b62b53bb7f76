import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readRssBytes } from '../../../../src/ipc/child/read-rss-bytes.js';

const MB = 1024 * 1024;
// perl-base is on every Debian system: fill 100 MB, fork 4 children that share it, then say so.
const SHARING_TREE = '$| = 1; my $x = "a" x (100 * 1024 * 1024); for (1..4) { if (!fork()) { sleep 60; exit 0 } } print "ready\\n"; sleep 60;';

describe('ipc/child/read-rss-bytes', function () {
  this.timeout(20_000);
  let tree: ChildProcess | undefined;
  afterEach(() => {
    if (tree?.pid) process.kill(-tree.pid, 'SIGKILL');
    tree = undefined;
  });

  it('counts pages that forked children share with their parent once, not once per child', async () => {
    tree = spawn('/usr/bin/perl', ['-e', SHARING_TREE], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    await new Promise<void>((resolve) => tree!.stdout!.once('data', () => resolve()));
    const total = (await readRssBytes(tree.pid!))!;
    expect(total, 'at least the 100 MB once').to.be.above(90 * MB);
    expect(total, 'not 5 × 100 MB').to.be.below(250 * MB);
  });

  it('resolves undefined for a process that is gone', async () => {
    expect(await readRssBytes(2 ** 22 + 12345)).to.equal(undefined);
  });
});
