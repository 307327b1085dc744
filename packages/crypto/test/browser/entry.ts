// Bundled for headless Chromium by browser.test.ts, through the package's "browser" condition.
import { platformName } from '../../src/index.ts';
import { runAllVectors, type VectorData } from '../vectors/all.ts';
import { checkEnvelopeFixture, type EnvelopeFixture } from '../vectors/fixture.ts';

declare global {
  var auraCrypto: {
    platform: string;
    run(data: VectorData, fixture: EnvelopeFixture): Promise<unknown>;
  };
}

globalThis.auraCrypto = {
  platform: platformName,
  async run(data, fixture) {
    const reports = await runAllVectors(data);
    return [...reports, checkEnvelopeFixture(fixture)];
  },
};
