import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Cipher } from './Cipher.js';
import { RunStoreError } from './RunStoreError.js';

const PREFIX = 'aesgcm1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a caller-provided 32-byte key. Each value gets a fresh random IV; the stored
 * form is `aesgcm1:` + base64(iv | tag | ciphertext), so tampering fails authentication.
 *
 * @example
 * const cipher = new AesGcmCipher(Buffer.from(process.env.STEPFLEET_KEY ?? '', 'base64'));
 * const stored = await cipher.encrypt('s3cret');
 */
export class AesGcmCipher implements Cipher {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.byteLength !== 32) {
      throw new RunStoreError(
        'INVALID_ARGUMENT',
        `AES-256-GCM needs a 32-byte key, got ${key.byteLength} bytes; generate one with crypto.randomBytes(32).`,
      );
    }
    this.#key = Buffer.from(key);
  }

  async encrypt(plain: string): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  async decrypt(cipherText: string): Promise<string> {
    const raw = cipherText.startsWith(PREFIX) ? Buffer.from(cipherText.slice(PREFIX.length), 'base64') : null;
    if (raw === null || raw.byteLength < IV_BYTES + TAG_BYTES) {
      throw new RunStoreError(
        'DECRYPTION_FAILED',
        'Stored value is not an AES-GCM ciphertext written by AesGcmCipher.',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new RunStoreError(
        'DECRYPTION_FAILED',
        'Stored value failed authentication: it was encrypted with another key or altered.',
      );
    }
  }
}
