import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

/** A .tar.gz stream's members, name to bytes, unpacked with tar-stream's extract and zlib. */
export async function unpack(archive: Readable): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const gunzip = createGunzip();
  archive.on('error', (err: Error) => extract.destroy(err));
  gunzip.on('error', (err: Error) => extract.destroy(err));
  archive.pipe(gunzip).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    members.set(entry.header.name, Buffer.concat(chunks));
  }
  return members;
}

/** A member's JSON lines, parsed. */
export function jsonLinesOf(member: Buffer | undefined): unknown[] {
  if (member === undefined) throw new Error('no such member');
  return member
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}
