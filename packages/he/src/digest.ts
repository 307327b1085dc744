/** SHA-256 of `bytes`, hex: the names of key sets and models on the wire. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.from(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
