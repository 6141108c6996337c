/**
 * Encrypts confidential values before they reach the table. The local implementation is
 * {@link AesGcmCipher}; in the cloud a KMS-backed cipher plugs in here.
 */
export interface Cipher {
  encrypt(plain: string): Promise<string>;
  decrypt(cipherText: string): Promise<string>;
}
