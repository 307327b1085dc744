import type { OpenSocket, SocketLike } from '@aura/client';

/**
 * A browser's WebSocket cannot carry an Authorization header: the token travels as the
 * subprotocol "aura.bearer.<token>" beside "aura.v1", the one the server answers with.
 */
export const browserSocket: OpenSocket = (url, token) => {
  const ws = new WebSocket(url, ['aura.v1', `aura.bearer.${token}`]);
  const socket: SocketLike = {
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    close: (code, reason) => ws.close(code, reason),
  };
  ws.onopen = (event) => socket.onopen?.(event);
  ws.onmessage = (event) => socket.onmessage?.({ data: event.data });
  ws.onclose = (event) => socket.onclose?.({ code: event.code, reason: event.reason });
  ws.onerror = (event) => socket.onerror?.(event);
  return socket;
};
