// npm run package:rpm — builds tmp/packages/influxdb3-engine-<version>-1.<arch>.rpm with rpmbuild (Debian's `rpm`
// package provides it). Options: --no-build (use dist/ as it is), --fast (zstd -3 instead of zstd -9).
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE, arch, outDir, packageVersion, repoRoot, run, stage, treeKiB } from './package-stage.mjs';

// Builds the .rpm and returns its path.
export async function buildRpm({ build = true, fast = false } = {}) {
  const started = Date.now();
  const stageDir = join(outDir, 'rpm-root');
  await stage({ stageDir, unitDir: '/usr/lib/systemd/system', build });
  // %license: the MIT text where RPM distributions keep licenses (the .deb has it in its copyright file instead).
  const licenses = join(stageDir, 'usr', 'share', 'licenses', PACKAGE);
  mkdirSync(licenses, { recursive: true });
  copyFileSync(join(repoRoot, 'packaging', 'LICENSE'), join(licenses, 'LICENSE'));
  chmodSync(join(licenses, 'LICENSE'), 0o644);
  const top = join(outDir, 'rpmbuild');
  rmSync(top, { recursive: true, force: true });
  const rpmArch = arch().rpm;
  run('rpmbuild', [
    '-bb', '--quiet',
    '--target', rpmArch,
    '--define', `_topdir ${top}`,
    '--define', `stage ${stageDir}`,
    '--define', `pkg_version ${packageVersion()}`,
    '--define', `pkg_arch ${rpmArch}`,
    // zstd payloads are read by rpm >= 4.14 (RHEL/Rocky/Alma 8+, Fedora 31+).
    '--define', `_binary_payload ${fast ? 'w3T.zstdio' : 'w9T.zstdio'}`,
    '--define', '_source_payload w3T.zstdio',
    join(repoRoot, 'rpm', `${PACKAGE}.spec`),
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const built = join(top, 'RPMS', rpmArch);
  const name = readdirSync(built).find((f) => f.endsWith('.rpm'));
  const file = join(outDir, name);
  renameSync(join(built, name), file);
  rmSync(top, { recursive: true, force: true });
  const mb = (statSync(file).size / 1048576).toFixed(1);
  console.log(`built ${relative(repoRoot, file)} (${mb} MiB, installed ${(treeKiB(stageDir) / 1024).toFixed(0)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  rmSync(stageDir, { recursive: true, force: true });
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  await buildRpm({ build: !args.includes('--no-build'), fast: args.includes('--fast') });
}
