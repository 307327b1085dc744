import { argon2idUnchecked } from '../../src/argon2.ts';
import { hex, newReport, record, toHex, type VectorReport } from './report.ts';

interface KatVector {
  type: string;
  version: number;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  tagLength: number;
  password: string;
  salt: string;
  secret: string;
  associatedData: string;
  tag: string;
}

interface PhcVector {
  type: string;
  version: number;
  iterations: number;
  memoryKiB: number;
  parallelism: number;
  password: string;
  salt: string;
  hashLength: number;
  hash: string;
  largeRam: boolean;
}

export interface Argon2VectorFile {
  rfc9106: KatVector[];
  kats_v16: KatVector[];
  phc_reference_tests: PhcVector[];
  phc_reference_negative: { type: string }[];
}

const ascii = (s: string) => new TextEncoder().encode(s);

/**
 * argon2-vectors.json: the RFC 9106 §5.3 Argon2id vector (with secret and associated data)
 * and every Argon2id case of the reference implementation's test.c, each with a
 * positive check (the tag) and a negative one (a one-bit change of the password must change it).
 * Argon2d, Argon2i and version 0x10 are counted as not applicable: Aura derives keys with
 * Argon2id v1.3 only. The 1 GiB reference cases are not applicable either (none is Argon2id).
 */
export async function runArgon2Vectors(file: Argon2VectorFile): Promise<VectorReport> {
  const report = newReport('argon2id');
  const kats = [...file.rfc9106, ...file.kats_v16];
  for (const v of kats.filter((k) => k.type === 'argon2id' && k.version === 0x13)) {
    const input = {
      password: hex(v.password),
      salt: hex(v.salt),
      secret: hex(v.secret),
      associatedData: hex(v.associatedData),
      t: v.iterations,
      m: v.memoryKiB,
      p: v.parallelism,
      length: v.tagLength,
    };
    record(report, 'rfc9106 §5.3', toHex(await argon2idUnchecked(input)) === v.tag);
    input.associatedData = hex(`${v.associatedData.slice(0, -2)}05`);
    record(report, 'rfc9106 §5.3 altered AD', toHex(await argon2idUnchecked(input)) !== v.tag);
  }
  const phc = file.phc_reference_tests.filter((v) => v.type === 'argon2id' && v.version === 0x13 && !v.largeRam);
  for (const v of phc) {
    const input = {
      password: ascii(v.password),
      salt: ascii(v.salt),
      t: v.iterations,
      m: v.memoryKiB,
      p: v.parallelism,
      length: v.hashLength,
    };
    const id = `test.c ${v.password}/${v.salt} t=${v.iterations} m=${v.memoryKiB} p=${v.parallelism}`;
    record(report, id, toHex(await argon2idUnchecked(input)) === v.hash);
    const flipped = ascii(v.password);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    record(report, `${id} flipped`, toHex(await argon2idUnchecked({ ...input, password: flipped })) !== v.hash);
  }
  const others =
    kats.length -
    kats.filter((k) => k.type === 'argon2id' && k.version === 0x13).length +
    file.phc_reference_tests.length -
    phc.length;
  report.notApplicable.push({ count: others, reason: 'Argon2d, Argon2i or version 0x10: not used by Aura' });
  report.notApplicable.push({
    count: file.phc_reference_negative.length,
    reason: 'PHC-string decoding of argon2i hashes: Aura stores parameters as fields, not PHC strings',
  });
  return report;
}
