/**
 * Crypto helpers of the local KMS. Mainly AES-256-GCM encryption of secrets at rest (connection
 * credentials, client secrets, the Octopus key): upstream encrypts credentials with a KMS-managed data
 * key; here one key is kept in the state file, which is enough for the property tests rely on: no
 * secret is ever written in clear. Also SHA-256 hex and random strings for generated secrets and ids.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from "node:crypto";

const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The characters of the Octopus API key format (`API-[A-Z0-9]{26}`). */
export const UPPER_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Encrypts and decrypts UTF-8 strings; a blob is `iv | auth tag | ciphertext`. */
export class SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError(`AES-256-GCM needs a ${KEY_BYTES}-byte key, got ${key.length}`);
  }

  /** A new random key. */
  static generateKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }

  /** Encrypts with a fresh IV, so the same text never gives the same blob twice. */
  encrypt(plaintext: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Decrypts a blob made by `encrypt`; throws if it was tampered with or made with another key. */
  decrypt(blob: Buffer): string {
    const decipher = createDecipheriv(ALGORITHM, this.key, blob.subarray(0, IV_BYTES));
    decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  }
}

/** Lower-case hex SHA-256, as upstream's `credentialsHash`. */
export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `length` characters drawn uniformly (crypto-random) from `alphabet`. */
export function randomString(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}
