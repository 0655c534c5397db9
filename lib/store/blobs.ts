import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Raw request bodies and comment lists are stored gzip-compressed and split into chunks, so a
 * review of any size the API accepts (1 MiB) fits DynamoDB's 400 KB item limit.
 */
export const CHUNK_BYTES = 350_000;

export function packJson(value: unknown): Uint8Array[] {
  const packed = gzipSync(Buffer.from(JSON.stringify(value), 'utf8'));
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < packed.length; offset += CHUNK_BYTES) {
    chunks.push(packed.subarray(offset, offset + CHUNK_BYTES));
  }
  return chunks;
}

export function unpackJson(chunks: readonly Uint8Array[]): unknown {
  return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
}
