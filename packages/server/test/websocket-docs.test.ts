import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { closesInSource, PAGE, renderWebSocketDocs, SOCKET_CLOSES } from '../scripts/websocket-docs.ts';

/**
 * docs/agent-websocket.md is rendered from the protocol's frame schemas: the committed page must
 * be what the script renders now, so a frame or field changed in packages/protocol without the
 * page (and the prose the script holds for it) fails here.
 */
describe('docs/agent-websocket.md', () => {
  it('is what packages/server/scripts/websocket-docs.ts renders from the frame schemas', () => {
    const rendered = renderWebSocketDocs();
    const committed = readFileSync(PAGE, 'utf8');
    assert.ok(
      committed === rendered,
      'docs/agent-websocket.md is out of date: run node --import tsx packages/server/scripts/websocket-docs.ts',
    );
  });

  it("lists exactly the close codes and reasons the server's own code closes sockets with", () => {
    for (const { path, closes, closedIn } of SOCKET_CLOSES) {
      const inSource = closedIn.flatMap(closesInSource).map((c) => `${c.code} ${c.reason}`);
      assert.ok(inSource.length > 0, `no .close(code, 'reason') found in ${closedIn.join(', ')}: is the scan stale?`);
      const documented = closes.filter((c) => c.reason !== null).map((c) => `${c.code} ${c.reason}`);
      assert.deepEqual([...new Set(inSource)].sort(), [...new Set(documented)].sort(), `the close codes of ${path}`);
    }
  });
});
