#!/usr/bin/env node
/*
 * npm as the Python build runs it (pyproject.toml, hatch-jupyter-builder): `install` becomes
 * `npm ci`, which installs exactly what package-lock.json says and never rewrites it (a
 * checkout stays as committed); anything else (`run build`) goes to npm as it is.
 */
const { spawnSync } = require('child_process');

const args = process.argv.slice(2);
const npmArgs = args[0] === 'install' ? ['ci', '--no-audit', '--no-fund'] : args;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const done = spawnSync(npm, npmArgs, { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(done.status === null ? 1 : done.status);
