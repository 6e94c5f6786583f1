// Copies the non-TypeScript files the compiled code reads at run time (SQL migrations) from
// src/ to dist/, keeping their paths. Run by `npm run build` after tsc.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.sql$/;

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (ASSET.test(entry)) cpSync(path, join('dist', relative('src', path)));
  }
}

copyAssets('src');
