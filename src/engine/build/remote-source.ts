/**
 * `ADD <url>`: the file is downloaded (http or https only) into a temp dir
 * and then copied like a context file; it is never extracted. Its name is
 * the last path component of the URL; its mtime the Last-Modified header.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { invalid } from '../errors.js';
import type { CopySource } from './copy-sources.js';
import { diskTree } from './source-tree.js';

export const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Downloads `url` into `dir`; a non-2xx answer is an error naming the status. */
export async function fetchUrlSource(url: string, dir: string): Promise<CopySource> {
  const res = await fetch(url, { redirect: 'follow' }).catch((err: Error) => {
    throw invalid('BERTH_BUILD_URL', `failed to GET ${url}: ${err.message}`, err);
  });
  if (!res.ok || !res.body) throw invalid('BERTH_BUILD_URL', `failed to GET ${url} with status ${res.status} ${res.statusText}`);
  const name = path.posix.basename(new URL(url).pathname) || 'download';
  const file = path.join(dir, name);
  await pipeline(Readable.fromWeb(res.body), createWriteStream(file, { mode: 0o600 }));
  await fs.chmod(file, 0o600);
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  if (Number.isFinite(modified)) await fs.utimes(file, modified / 1000, modified / 1000);
  return { abs: file, rel: name, isDir: false, tree: diskTree(dir), at: name };
}
