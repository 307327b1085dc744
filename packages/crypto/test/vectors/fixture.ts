import { openEnvelope, readEnvelopeHeader, sealEnvelope } from '../../src/envelope.ts';
import { symmetricKey } from '../../src/key.ts';
import { hex, newReport, record, toHex, type VectorReport } from './report.ts';

/** A frozen envelope of our own format: old versions must stay readable (STYLE.md habit 6). */
export interface EnvelopeFixture {
  key: string;
  keyId: string;
  slot: { userId: string; collection: string; recordId: string };
  nonce: string;
  plaintext: string;
  padded: boolean;
  envelope: string;
}

export function checkEnvelopeFixture(f: EnvelopeFixture): VectorReport {
  const report = newReport('envelope-v1 fixture');
  const key = symmetricKey('collection', hex(f.key));
  record(report, 'key id', toHex(key.id) === f.keyId);
  record(report, 'header', toHex(readEnvelopeHeader(hex(f.envelope)).keyId) === f.keyId);
  let opened = '';
  try {
    opened = toHex(openEnvelope(key, f.slot, hex(f.envelope)));
  } catch (e) {
    opened = String(e);
  }
  record(report, 'opens', opened === f.plaintext);
  const resealed = toHex(sealEnvelope(key, f.slot, hex(f.plaintext), { nonce: hex(f.nonce), pad: f.padded }));
  record(report, 're-seals identically', resealed === f.envelope);
  return report;
}
