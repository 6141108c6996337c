import { createHash } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AesGcmCipher } from '../../shared/store/AesGcmCipher.js';
import type { Cipher } from '../../shared/store/Cipher.js';

/** Shortest secret accepted: the stack generates 64 random alphanumerics (about 380 bits). */
const MIN_SECRET_CHARS = 32;

/**
 * The cloud's {@link Cipher}: AES-256-GCM (the same format as local runs) under a data key kept in
 * Secrets Manager, which encrypts it with the deployment's KMS key. The key is fetched once per
 * Lambda container, on first use (the AES key is the SHA-256 of the secret's random text), so a function that never touches a confidential value never
 * calls Secrets Manager, and a run with 10,000 hosts makes no per-value KMS call.
 *
 * @example
 * const cipher = new SecretDataKeyCipher(new SecretsManagerClient({}), process.env.STEPFLEET_DATA_KEY_SECRET);
 */
export class SecretDataKeyCipher implements Cipher {
  readonly #client: SecretsManagerClient;
  readonly #secretId: string;
  #cipher: Promise<AesGcmCipher> | undefined;

  constructor(client: SecretsManagerClient, secretId: string) {
    this.#client = client;
    this.#secretId = secretId;
  }

  async encrypt(plain: string): Promise<string> {
    return (await this.#load()).encrypt(plain);
  }

  async decrypt(cipherText: string): Promise<string> {
    return (await this.#load()).decrypt(cipherText);
  }

  #load(): Promise<AesGcmCipher> {
    this.#cipher ??= this.#fetch().catch((error: unknown) => {
      this.#cipher = undefined; // a throttled first call must not poison the container
      throw error;
    });
    return this.#cipher;
  }

  async #fetch(): Promise<AesGcmCipher> {
    const secret = await this.#client.send(new GetSecretValueCommand({ SecretId: this.#secretId }));
    const text = secret.SecretString ?? '';
    if (text.length < MIN_SECRET_CHARS) {
      throw new Error(`data key secret ${this.#secretId} holds fewer than ${MIN_SECRET_CHARS} characters`);
    }
    return new AesGcmCipher(createHash('sha256').update(text, 'utf8').digest());
  }
}
