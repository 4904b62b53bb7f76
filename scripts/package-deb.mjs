// npm run package:deb — builds tmp/packages/influxdb3-engine_<version>-1_<arch>.deb with dpkg-deb.
// Options: --no-build (use dist/ as it is), --fast (gzip instead of xz: ~53 MiB in seconds instead of ~37 MiB in
// about a minute; the install test uses it).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, lstatSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE, arch, maintainer, outDir, packageVersion, repoRoot, run, stage, treeKiB } from './package-stage.mjs';

// Builds the .deb and returns its path.
export async function buildDeb({ build = true, fast = false } = {}) {
  const started = Date.now();
  const stageDir = join(outDir, 'deb-root');
  const { nodeModules } = await stage({ stageDir, unitDir: '/lib/systemd/system', build });

  const version = `${packageVersion()}-1`;
  const debArch = arch().deb;
  const debian = join(stageDir, 'DEBIAN');
  mkdirSync(debian, { recursive: true });
  const maint = maintainer();
  for (const f of ['postinst', 'prerm', 'postrm']) {
    copyFileSync(join(repoRoot, 'debian', f), join(debian, f));
    chmodSync(join(debian, f), 0o755);
  }
  copyFileSync(join(repoRoot, 'debian', 'conffiles'), join(debian, 'conffiles'));
  chmodSync(join(debian, 'conffiles'), 0o644);
  const doc = join(stageDir, 'usr', 'share', 'doc', PACKAGE);
  // debian/copyright (machine-readable format 1.0) with this package's own license text.
  writeFileSync(join(doc, 'copyright'), readFileSync(join(repoRoot, 'debian', 'copyright'), 'utf8').replace('@MIT@', debianLicenseText(readFileSync(join(repoRoot, 'packaging', 'LICENSE'), 'utf8'))));
  writeFileSync(
    join(doc, 'changelog.Debian.gz'),
    gzipSync(`${PACKAGE} (${version}) unstable; urgency=medium\n\n  * Built from the repository (npm run package:deb).\n\n -- ${maint}  ${buildTime().toUTCString().replace('GMT', '+0000')}\n`, { level: 9 }),
  );
  const overrides = join(stageDir, 'usr', 'share', 'lintian', 'overrides');
  mkdirSync(overrides, { recursive: true });
  copyFileSync(join(repoRoot, 'debian', 'lintian-overrides'), join(overrides, PACKAGE));
  for (const f of [join(doc, 'copyright'), join(doc, 'changelog.Debian.gz'), join(overrides, PACKAGE)]) chmodSync(f, 0o644);
  chmodSync(overrides, 0o755);
  chmodSync(join(stageDir, 'usr', 'share', 'lintian'), 0o755);
  const control = readFileSync(join(repoRoot, 'debian', 'control.in'), 'utf8')
    .replace('@MAINTAINER@', maint)
    .replace('@VERSION@', version)
    .replace('@ARCH@', debArch)
    .replace('@INSTALLED_SIZE@', String(treeKiB(join(stageDir, 'usr')) + treeKiB(join(stageDir, 'etc')) + treeKiB(join(stageDir, 'lib'))));
  writeFileSync(join(debian, 'control'), control);
  chmodSync(join(debian, 'control'), 0o644);
  writeFileSync(join(debian, 'md5sums'), md5sums(stageDir));
  chmodSync(join(debian, 'md5sums'), 0o644);

  const file = join(outDir, `${PACKAGE}_${version}_${debArch}.deb`);
  // xz is what Debian's archive tools expect (lintian calls zstd members malformed); gzip is 6x faster.
  const compression = fast ? ['-Zgzip', '-z6'] : ['-Zxz', '-z6'];
  run('dpkg-deb', ['--root-owner-group', ...compression, '--build', stageDir, file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const mb = (statSync(file).size / 1048576).toFixed(1);
  console.log(`built ${relative(repoRoot, file)} (${mb} MiB, installed ${(treeKiB(stageDir) / 1024).toFixed(0)} MiB, node_modules ${mib(nodeModules.before)} → ${mib(nodeModules.after)} MiB pruned) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  rmSync(stageDir, { recursive: true, force: true });
  return { file, nodeModules };
}

const mib = (bytes) => (bytes / 1048576).toFixed(1);

// SOURCE_DATE_EPOCH for reproducible builds, else now.
function buildTime() {
  return new Date(process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now());
}

// A license text as a copyright-file License: paragraph body (each line indented, blank lines as " .").
function debianLicenseText(text) {
  return text.trim().split('\n').map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`)).join('\n');
}

function md5sums(root) {
  const lines = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (rel === 'DEBIAN' || rel.startsWith('etc/')) continue; // conffiles are tracked by dpkg separately
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) lines.push(`${createHash('md5').update(readFileSync(p)).digest('hex')}  ${rel}`);
    }
  };
  walk(root);
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  await buildDeb({ build: !args.includes('--no-build'), fast: args.includes('--fast') });
}
