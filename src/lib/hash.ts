// Digests without loading node:crypto at start-up: under Bun that module costs more than a short
// command's own work, and its native Bun.CryptoHasher gives the same bytes; under Node,
// node:crypto is required on first use. Same algorithms, same output on both runtimes.
import { builtin } from './builtin.js';

type Alg = 'sha1' | 'sha256';
interface BunHasher { update(data: string): BunHasher; digest(): Uint8Array; digest(enc: 'base64url' | 'hex'): string }
// Looked up on first use: reading Bun.CryptoHasher initialises it.
let bunHasher: (new (alg: Alg) => BunHasher) | null | undefined;
const hasherClass = () => (bunHasher ??= (globalThis as { Bun?: { CryptoHasher: new (alg: Alg) => BunHasher } }).Bun?.CryptoHasher ?? null);

let nodeCrypto: typeof import('node:crypto') | undefined;
const crypto = () => (nodeCrypto ??= builtin<typeof import('node:crypto')>('node:crypto'));

/** The digest of a UTF-8 string, as bytes. */
export function digestBytes(alg: Alg, data: string): Buffer {
  const H = hasherClass();
  if (H) {
    const u8 = new H(alg).update(data).digest();
    return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return crypto().createHash(alg).update(data).digest();
}

/** The digest of a UTF-8 string, base64url-encoded. */
export function digestBase64url(alg: Alg, data: string): string {
  const H = hasherClass();
  if (H) return new H(alg).update(data).digest('base64url');
  return crypto().createHash(alg).update(data).digest('base64url');
}

/** n random bytes as hex (crypto-grade; for unique temporary names). */
export function randomHex(n: number): string {
  return crypto().randomBytes(n).toString('hex');
}
