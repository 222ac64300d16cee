// The serial console of an instance: Nova's remote-console API gives a one-time websocket URL; xterm.js draws it.
import { api, h, page, alertBox, compute } from '../lib.js';

export async function render(main, parts) {
  const id = parts[0];
  const server = (await api('GET', `${compute}/servers/${id}`)).server;
  const status = h('p.muted', { 'aria-live': 'polite', id: 'console-status' }, 'Connecting…');
  const screen = h('div.terminal', { id: 'terminal', role: 'application', 'aria-label': `Serial console of ${server.name}` });
  page(main, `Console of ${server.name}`, h('p', h('a', { href: `/ui/instances/${id}` }, 'Back to the instance')), status, screen,
    h('p.muted', 'Click the console (or tab to it) and type; the keys go to the guest\'s serial port.'));
  if (!document.querySelector('link[data-xterm]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: new URL('../vendor/xterm/xterm.css', import.meta.url).href, 'data-xterm': true }));
  }
  let url;
  try {
    const body = await api('POST', `${compute}/servers/${id}/remote-consoles`, { remote_console: { protocol: 'serial', type: 'serial' } },
      { headers: { 'OpenStack-API-Version': 'compute 2.6', 'X-OpenStack-Nova-API-Version': '2.6' } });
    url = new URL(body.remote_console.url);
    // The console is served by this same host; connect through the origin the page came from.
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.host = location.host;
  } catch (e) {
    status.replaceWith(alertBox(e.message));
    return;
  }
  const { Terminal } = await import('../vendor/xterm/xterm.mjs');
  const term = new Terminal({ cols: 100, rows: 30, convertEol: false, cursorBlink: true, fontFamily: 'monospace' });
  term.open(screen);
  const socket = new WebSocket(url.href);
  socket.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  socket.addEventListener('open', () => { status.textContent = 'Connected.'; term.focus(); });
  socket.addEventListener('message', e => term.write(typeof e.data === 'string' ? e.data : new Uint8Array(e.data)));
  socket.addEventListener('close', e => { status.textContent = `Disconnected${e.reason ? `: ${e.reason}` : ''}.`; });
  term.onData(data => { if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data)); });
  const stop = setInterval(() => { if (!screen.isConnected) { clearInterval(stop); socket.close(); term.dispose(); } }, 1000);
  window.cloudboxConsole = { term, socket }; // for tests and the curious
}
