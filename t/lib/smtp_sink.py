#!/usr/bin/python3
# An SMTP sink for the notifier's tests (issue 16): Debian's aiosmtpd on
# 127.0.0.1:PORT, each message saved whole as DIR/mail/N.eml (written,
# then renamed); a file DIR/smtp.fail holding an SMTP reply ("550 ...",
# "451 ...") makes it refuse every message with that reply.  With "tls"
# as the third argument it offers STARTTLS with DIR/tls.crt and
# DIR/tls.key, and requires it and authentication (PLAIN or LOGIN) as
# DIR/smtp.user and DIR/smtp.pass say.
#   python3 t/lib/smtp_sink.py PORT DIR [tls]
import asyncio, itertools, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, top = int(sys.argv[1]), sys.argv[2]
os.makedirs(os.path.join(top, 'mail'), exist_ok=True)
seq = itertools.count(1)

class Sink:
    async def handle_DATA(self, server, session, envelope):
        fail = os.path.join(top, 'smtp.fail')
        if os.path.exists(fail):
            with open(fail) as f:
                return f.read().strip()
        n = next(seq)
        path = os.path.join(top, 'mail', '%d-%d.eml' % (os.getpid(), n))
        with open(path + '.tmp', 'wb') as f:
            f.write(b'X-Rcpt: ' + ','.join(envelope.rcpt_tos).encode() + b'\r\n')
            f.write(envelope.original_content)
        os.rename(path + '.tmp', path)
        return '250 OK'

def read(name):
    with open(os.path.join(top, name)) as f:
        return f.readline().strip().encode()

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (getattr(auth_data, 'login', None) == read('smtp.user')
          and getattr(auth_data, 'password', None) == read('smtp.pass'))
    return AuthResult(success=ok)

tls = {}
if len(sys.argv) > 3 and sys.argv[3] == 'tls':
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(top, 'tls.crt'),
                        os.path.join(top, 'tls.key'))
    tls = dict(tls_context=ctx, require_starttls=True,
               authenticator=authenticator, auth_required=True,
               auth_require_tls=True)

c = Controller(Sink(), hostname='127.0.0.1', port=port,
               data_size_limit=1 << 20, **tls)
c.start()
with open(os.path.join(top, 'smtp.ready'), 'w') as f:
    f.write(str(os.getpid()))
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
