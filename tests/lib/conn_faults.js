// A small Ultravox API fake for the connection fault tests
// (tests/lib/conn_faults.sh): HTTP/1.1 on plain http, or HTTP/2 over TLS,
// holding registrations in memory, with one fault armed for the first
// COUNT creates it applies to:
//   close_on_reuse  (h1) a POST arriving on a kept-alive connection that
//                   served a request before: the connection is closed at
//                   once, nothing read or committed (an idle close racing
//                   the next request)
//   commit_drop     (h1) the POST is committed, then the connection is
//                   dropped without an answer
//   reset_mid       (h1) committed, half an answer, then a TCP reset
//   refused         (h2) the stream is refused (RST_STREAM REFUSED_STREAM),
//                   nothing committed
//   goaway          (h2) GOAWAY with a last-stream id below the POST's
//                   stream, nothing committed
//   slow            (h2) every answer waits COUNT ms (a server far away),
//                   nothing else
//   none            no fault
// Stats (JSON, rewritten after each event): connections, posts (usernames
// received), faults (applied), inflight (per POST, in arrival order: how
// many POSTs were open, it included, when it arrived).
'use strict';
const fs = require('fs'), http = require('http'), http2 = require('http2');
const [mode, fault, countArg, tls, key, portFile, statsFile] =
  process.argv.slice(2);
let faultsLeft = Number(countArg);
const regs = [];
const stats = {connections: 0, posts: [], faults: 0, inflight: []};
let openPosts = 0;
const save = () => fs.writeFileSync(statsFile, JSON.stringify(stats));

const sip = {allowedCidrRanges: [], allowAllAgents: false, allowedAgents: [],
             fallbackHandler: null, domain: 'faults.sip.ultravox.ai'};

function create(body) {
  const b = JSON.parse(body || '{}');
  const r = {registrationId: `reg_${regs.length + 1}`,
             created: '2026-01-01T00:00:00Z', username: b.username,
             proxy: b.proxy, outboundProxy: b.outboundProxy || null,
             authUser: b.authUser || null, successful: true};
  regs.push(r);
  return r;
}

function takeFault(name) {
  if (fault !== name || faultsLeft <= 0)
    return false;
  faultsLeft--;
  stats.faults++;
  return true;
}

// Answers one request; returns false when a fault took it over.
function serve(method, url, body, headers, send, conn) {
  if (headers['x-api-key'] !== key)
    return send(401, {detail: 'Invalid API key.'});
  const path = url.split('?')[0];
  if (method === 'GET' && path === '/api/sip')
    return send(200, sip);
  if (method === 'GET' && path === '/api/sip/registrations')
    return send(200, {next: null, previous: null, total: regs.length,
                      results: regs});
  if (method === 'POST' && path === '/api/sip/registrations') {
    stats.posts.push(JSON.parse(body || '{}').username);
    if (takeFault('commit_drop')) {
      create(body);
      save();
      return conn.destroy();
    }
    if (takeFault('reset_mid')) {
      const text = JSON.stringify(create(body));
      save();
      conn.res.writeHead(201, {'content-type': 'application/json',
                               'content-length': String(text.length + 100)});
      conn.res.write(text.slice(0, 10));
      return setTimeout(() => conn.resetAndDestroy ? conn.resetAndDestroy()
                                                   : conn.destroy(), 50);
    }
    return send(201, create(body));
  }
  send(404, {detail: 'Not found.'});
}

function h1() {
  const server = http.createServer((req, res) => {
    const sock = req.socket;
    sock.served = (sock.served || 0) + 1;
    if (req.method === 'POST' && sock.served > 1 &&
        takeFault('close_on_reuse')) {
      save();
      return sock.destroy();
    }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const send = (status, obj) => {
        res.writeHead(status, {'content-type': 'application/json'});
        res.end(JSON.stringify(obj));
        save();
      };
      sock.res = res;
      serve(req.method, req.url, body, req.headers, send, sock);
    });
  });
  server.keepAliveTimeout = 30000;
  server.on('connection', () => { stats.connections++; save(); });
  return server;
}

function h2() {
  const server = http2.createSecureServer({
    key: fs.readFileSync(tls + '/key.pem'),
    cert: fs.readFileSync(tls + '/cert.pem')});
  server.on('session', (session) => {
    stats.connections++;
    save();
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // the refused ones
    const method = headers[':method'], url = headers[':path'];
    if (method === 'POST' && takeFault('refused')) {
      save();
      return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    }
    if (method === 'POST' && stream.id >= 3 && takeFault('goaway')) {
      save();
      // as an nghttp2 server does: the streams above the last id go
      stream.session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id - 2);
      return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    }
    if (method === 'POST')
      stats.inflight.push(++openPosts);
    let body = '';
    stream.on('data', (c) => { body += c; });
    stream.on('end', () => {
      const send = (status, obj) => {
        if (method === 'POST')
          openPosts--;
        stream.respond({':status': status,
                        'content-type': 'application/json'});
        stream.end(JSON.stringify(obj));
        save();
      };
      const answer = () => serve(method, url, body, headers, send,
                                 stream.session);
      if (fault === 'slow')
        return setTimeout(answer, Number(countArg));
      answer();
    });
  });
  return server;
}

const server = mode === 'h2' ? h2() : h1();
server.listen(0, '127.0.0.1', () => {
  save();
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => process.exit(0));
