#!/usr/bin/python3
# An SMTP sink for the notifier's tests (issue 16): Debian's aiosmtpd on
# 127.0.0.1:PORT, each message saved whole as DIR/mail/N.eml (written,
# then renamed); a file DIR/smtp.fail holding an SMTP reply ("550 ...",
# "451 ...") makes it refuse every message with that reply.
#   python3 t/lib/smtp_sink.py PORT DIR
import asyncio, itertools, os, sys, time
from aiosmtpd.controller import Controller

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

c = Controller(Sink(), hostname='127.0.0.1', port=port,
               data_size_limit=1 << 20)
c.start()
with open(os.path.join(top, 'smtp.ready'), 'w') as f:
    f.write(str(os.getpid()))
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
