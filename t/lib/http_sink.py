#!/usr/bin/python3
# An HTTP sink for the notifier's tests (issue 16): the SMS gateway's and
# Zalo ZNS's shapes on 127.0.0.1:PORT, HTTP/1.1 with keep-alive.  Every
# request is appended to DIR/NAME.log as one JSON line (method, path,
# headers, body) once it is answered 2xx; a file DIR/NAME.mode holding
# "4xx" or "5xx" makes it answer 400 or 503 (and log nothing), "slow"
# answer after 0.7 s.  With
# "zns" as the third argument, answers are ZNS's {"error": 0, ...}, and a
# request whose access_token header is not DIR/zns.token's first line
# gets {"error": -124}.
#   python3 t/lib/http_sink.py PORT DIR NAME [zns]
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, top, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
zns = len(sys.argv) > 4 and sys.argv[4] == 'zns'
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n).decode('utf-8', 'replace') if n else ''
        mode = ''
        try:
            with open(os.path.join(top, name + '.mode')) as f:
                mode = f.read().strip()
        except OSError:
            pass
        if mode == '4xx':
            return self.answer(400, {'error': 'bad request'})
        if mode == '5xx':
            return self.answer(503, {'error': 'unavailable'})
        if mode == 'slow':
            time.sleep(0.7)
        if zns:
            try:
                with open(os.path.join(top, 'zns.token')) as f:
                    token = f.readline().strip()
            except OSError:
                token = None
            if self.headers.get('access_token') != token:
                return self.answer(200, {'error': -124,
                                         'message': 'invalid access token'})
        rec = {'method': self.command, 'path': self.path,
               'headers': dict(self.headers), 'body': body}
        with lock:
            with open(os.path.join(top, name + '.log'), 'a') as f:
                f.write(json.dumps(rec) + '\n')
        if zns:
            return self.answer(200, {'error': 0, 'message': 'Success',
                                     'data': {'msg_id': 'x'}})
        return self.answer(200, {'status': 'accepted'})

    do_GET = do_POST = do_PUT = handle_any

srv = ThreadingHTTPServer(('127.0.0.1', port), Handler)
srv.daemon_threads = True
with open(os.path.join(top, name + '.ready'), 'w') as f:
    f.write(str(os.getpid()))
srv.serve_forever()
