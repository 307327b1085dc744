// Bundled for headless Chromium by browser.test.ts, through the package's "browser" condition.
import { platformName } from '../../src/index.ts';
import { runAllVectors, type VectorData } from '../vectors/all.ts';
import { checkEnvelopeFixture, type EnvelopeFixture } from '../vectors/fixture.ts';

declare global {
  var auraCrypto: {
    platform: string;
    run(data: VectorData, fixture: EnvelopeFixture): Promise<unknown>;
    /** Whether this browser's WebCrypto has Ed25519: the "ed25519 many" suite tests it only then. */
    nativeEd25519(): Promise<boolean>;
  };
}

globalThis.auraCrypto = {
  platform: platformName,
  async run(data, fixture) {
    const reports = await runAllVectors(data);
    return [...reports, checkEnvelopeFixture(fixture)];
  },
  async nativeEd25519() {
    const key = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']).catch(() => null);
    return key !== null;
  },
};
