// A raw HTTP/1.1 client for the bad-input corpus: it sends exact bytes over node:net (control
// characters and framing mistakes included, which fetch refuses to send) and parses the
// answers itself, so every response header is checked as the bytes that came over the wire.
// Every exchange is bounded by a timeout; nothing here retries.
import net from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');

// Parses one response starting at `off`. Returns {need: true} when more bytes are needed, or
// {res, next} with res = {status, statusLine, headers: [[name, valueBuffer]], headLines, body,
// closeDelimited, problems: []}.
function parseOne(buf, off, { head, closed }) {
  const end = buf.indexOf(CRLF2, off);
  if (end < 0) return closed && off < buf.length ? { error: 'the answer ends inside its head' } : { need: true };
  const lines = [];
  for (let i = off; i <= end;) {
    const j = buf.indexOf('\r\n', i);
    lines.push(buf.subarray(i, j));
    i = j + 2;
  }
  const statusLine = lines[0].toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3}) [\x20-\x7e]*$/.exec(statusLine);
  if (!m) return { error: `malformed status line ${JSON.stringify(statusLine.slice(0, 80))}` };
  const res = { status: Number(m[1]), statusLine, headers: [], problems: [], body: Buffer.alloc(0), closeDelimited: false };
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(0x3a);
    if (colon <= 0) {
      res.problems.push(`response header line without a name/colon: ${JSON.stringify(line.toString('latin1').slice(0, 80))}`);
      continue;
    }
    const name = line.subarray(0, colon).toString('latin1');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) res.problems.push(`invalid response header name ${JSON.stringify(name)}`);
    let v = line.subarray(colon + 1);
    while (v.length && (v[0] === 0x20 || v[0] === 0x09)) v = v.subarray(1);
    res.headers.push([name.toLowerCase(), v]);
  }
  let pos = end + 4;
  const get = (n) => res.headers.filter(([k]) => k === n).map(([, v]) => v.toString('latin1'));
  const cl = get('content-length');
  const te = get('transfer-encoding');
  if (cl.length > 1) res.problems.push(`${cl.length} Content-Length headers`);
  if (cl.length && te.length) res.problems.push('both Content-Length and Transfer-Encoding');
  if (res.status < 200 || head || res.status === 204 || res.status === 304) return { res, next: pos };
  if (te.length) {
    if (!/^chunked$/i.test(te[te.length - 1].trim())) return { error: `unexpected Transfer-Encoding ${te}` };
    const parts = [];
    for (;;) {
      const le = buf.indexOf('\r\n', pos);
      if (le < 0) return closed ? { error: 'the chunked answer ends inside a chunk size' } : { need: true };
      const size = parseInt(buf.subarray(pos, le).toString('latin1'), 16);
      if (!Number.isFinite(size)) return { error: 'bad chunk size in the answer' };
      if (size === 0) {
        const te2 = buf.indexOf(CRLF2, le);
        if (buf.length >= le + 4 && buf.subarray(le, le + 4).equals(CRLF2)) { pos = le + 4; break; }
        if (te2 < 0) return closed ? { error: 'the chunked answer has no end' } : { need: true };
        pos = te2 + 4;
        break;
      }
      if (buf.length < le + 2 + size + 2) return closed ? { error: 'the chunked answer was cut' } : { need: true };
      parts.push(buf.subarray(le + 2, le + 2 + size));
      pos = le + 2 + size + 2;
    }
    res.body = Buffer.concat(parts);
    return { res, next: pos };
  }
  if (cl.length) {
    const n = Number(cl[0]);
    if (!Number.isSafeInteger(n) || n < 0) return { error: `bad Content-Length ${cl[0]}` };
    if (buf.length < pos + n) return closed ? { error: 'the answer is shorter than its Content-Length' } : { need: true };
    res.body = buf.subarray(pos, pos + n);
    return { res, next: pos + n };
  }
  // Close-delimited (HTTP/1.0 style): everything until the server closes.
  if (!closed) return { need: true };
  res.body = buf.subarray(pos);
  res.closeDelimited = true;
  return { res, next: buf.length };
}

// Sends `bytes` (a Buffer, or an array of Buffers written ~20 ms apart) to 127.0.0.1:port and
// collects `want` final answers. `heads` lists the indexes of answers to HEAD requests.
// Resolves {responses, closed, timedOut, error, trailing, raw, ms}; never rejects.
export function exchange(port, bytes, { want = 1, heads = [], timeoutMs = 5000, linger = 300 } = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let closed = false, timedOut = false, error = null, finished = false, lingerTimer = null;
    let parsed = { responses: [], next: 0, error: null };
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(lingerTimer);
      sock.destroy();
      const raw = Buffer.concat(chunks);
      parsed = parseAll(raw, closed);
      resolve({ responses: parsed.responses, parseError: parsed.error, closed, timedOut, error,
        trailing: raw.subarray(parsed.next), raw, ms: Date.now() - t0 });
    };
    const parseAll = (raw, isClosed) => {
      const out = { responses: [], next: 0, error: null };
      let off = 0;
      while (out.responses.length < want + 8) {
        if (off >= raw.length) break;
        const r = parseOne(raw, off, { head: heads.includes(out.responses.length), closed: isClosed });
        if (r.need) break;
        if (r.error) { out.error = r.error; break; }
        off = r.next;
        if (r.res.status >= 200) out.responses.push(r.res);
        out.next = off;
      }
      return out;
    };
    const timer = setTimeout(() => { timedOut = true; finish(); }, timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      const p = parseAll(Buffer.concat(chunks), false);
      if (p.error) return finish();  // what follows cannot mend it
      if (p.responses.length < want) return;
      // All answers are in. A server that said it closes gets a moment to do so (stray bytes
      // after the answer would show up); otherwise the exchange is over.
      const last = p.responses[p.responses.length - 1];
      const closing = last.headers.some(([k, v]) => k === 'connection' && /close/i.test(v.toString('latin1')));
      if (!closing) return finish();
      if (!lingerTimer) lingerTimer = setTimeout(finish, linger);
    });
    sock.on('end', () => { closed = true; });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('error', (e) => { error = e.code || e.message; });
    sock.on('connect', async () => {
      const list = Array.isArray(bytes) ? bytes : [bytes];
      for (let i = 0; i < list.length && !finished; i++) {
        if (i) await new Promise((r) => setTimeout(r, 20));
        if (!sock.destroyed) sock.write(list[i], () => {});
      }
    });
  });
}

export const header = (res, name) => {
  const h = res.headers.find(([k]) => k === name);
  return h ? h[1].toString('latin1') : null;
};
export const headersAll = (res, name) => res.headers.filter(([k]) => k === name).map(([, v]) => v.toString('latin1'));
