#!/usr/bin/perl

# The production example, conf/production.conf, started as shipped (its
# paths moved into the test's directory, its ports onto free ones, a
# throwaway certificate for Debian's snakeoil): a citizen who types the
# portal's name (http://) is sent to https with the path and query kept;
# certbot's webroot challenge is answered over http; https answers a
# lookup, the dashboard and the API with Strict-Transport-Security, the
# JSON error objects too.  t/package.t only checks that it passes nginx -t.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'needs curl and openssl (TLS)'
    unless -x '/usr/bin/curl' && -x '/usr/bin/openssl';

my $t = Onestop::Test->new(workers => 1);
my $dir = $t->dir;
my $tls = $t->port;                       # the harness waits for this one
my $plain = Onestop::Test::free_port();

my ($rc, $out, $err) = $t->cli('demo', '300');
is($rc, 0, 'a demo store') or diag($err);
$t->spew('keys', sha256_hex('pc-admin') . " * admin\n");
$t->spew('qr.key', ('cd' x 32) . "\n");
mkdir "$dir/www";
mkdir "$dir/www/.well-known";
mkdir "$dir/www/.well-known/acme-challenge";
$t->spew('www/.well-known/acme-challenge/tok3n', "tok3n.thumbprint\n");
system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test "
    . "-keyout $dir/tls.key -out $dir/tls.pem >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl could not make a certificate');

my $conf = Onestop::Test::slurp('conf/production.conf');

# the operator's guide shows the file (from its first directive on): the
# same lines, so that what an operator reads is what the package ships
my $guide = Onestop::Test::slurp('docs/operators-guide.md');
my ($listing) = $guide =~ /^## A production configuration\n.*?^```nginx\n(.*?)^```/ms;
is($listing, substr($conf, index($conf, 'onestop_store')),
    'docs/operators-guide.md shows conf/production.conf as it is');
my %moved = (
    'onestop_store /var/lib/onestop/store map_size=64g'
        => "onestop_store $dir/store map_size=256m",
    '/etc/onestop/keys' => "$dir/keys",
    '/etc/onestop/qr.key' => "$dir/qr.key",
    '/usr/share/onestop/calendar-vn.txt'
        => "$Onestop::Test::ROOT/conf/calendar-vn.txt",
    '/etc/ssl/certs/ssl-cert-snakeoil.pem' => "$dir/tls.pem",
    '/etc/ssl/private/ssl-cert-snakeoil.key' => "$dir/tls.key",
    '/var/log/nginx/' => "$dir/",
    'root /var/www/html' => "root $dir/www",
    'listen 443 ssl http2' => "listen 127.0.0.1:$tls ssl http2",
    'listen 80' => "listen 127.0.0.1:$plain",
);
for my $from (sort keys %moved) {
    my $n = $conf =~ s/\Q$from\E/$moved{$from}/g;
    ok($n, "the shipped file says \"$from\"");
}
$t->write_conf($conf);
ok($t->start, 'conf/production.conf starts') or BAIL_OUT($t->error_log);

# --- by curl (HTTP::Tiny does not let a test name the Host) ---

sub fetch ($url, @opt) {
    my $q = join ' ', map { "'$_'" } @opt, $url;
    my $o = `curl -sk -D - --max-time 10 $q`;
    my ($head, $body) = split /\r?\n\r?\n/, $o, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\S+ (\d{3})};
    my %h = map { /^([^:\r\n]+):\s*([^\r\n]*)/ ? (lc $1 => $2) : () }
        split /\r?\n/, $head // '';
    return ($status // 0, \%h, $body // '');
}

sub http_get ($path) {
    return fetch("http://127.0.0.1:$plain$path",
        '-H', 'Host: dichvucong.longan.gov.vn');
}

sub tls_get ($path) {
    return fetch("https://dichvucong.longan.gov.vn:$tls$path",
        '--resolve', "dichvucong.longan.gov.vn:$tls:127.0.0.1");
}

# --- http: to https, or certbot's challenge ---

my ($status, $h, $body) = http_get('/tra-cuu?code=000.00.12.H36-190710-0001');
is($status, 301, 'http: 301');
is($h->{location},
    'https://dichvucong.longan.gov.vn/tra-cuu?code=000.00.12.H36-190710-0001',
    '... to the same path and query over https');
($status, $h) = http_get('/');
is($h->{location}, 'https://dichvucong.longan.gov.vn/', '... the dashboard too');
($status, $h, $body) = http_get('/.well-known/acme-challenge/tok3n');
is($status, 200, 'certbot\'s challenge answered over http');
is($body, "tok3n.thumbprint\n", '... from its webroot');

# --- https ---

for my $case (['/', 200], ['/api/v1/stats?period=year', 200],
    ['/api/v1/dossiers/NO-SUCH-CODE', 404], ['/api/v1/nothing', 404],
    ['/tra-cuu', 200])
{
    ($status, $h) = tls_get($case->[0]);
    is($status, $case->[1], "https $case->[0]: $case->[1]");
    is($h->{'strict-transport-security'}, 'max-age=31536000',
        '... Strict-Transport-Security');
}

# the working-day calendar is the one the package ships (Điều 9.1): an
# online dossier submitted on the eve of Tết 2026 (Monday 16 February, a
# day off) is received when the offices open again, Monday 23 February,
# not at its submission as with weekends alone
my $code = '000.00.12.H36-260216-0001';
($status, $h, $body) = fetch("https://dichvucong.longan.gov.vn:$tls/api/v1/ingest/dossiers",
    '--resolve', "dichvucong.longan.gov.vn:$tls:127.0.0.1",
    '-H', 'Authorization: Bearer pc-admin',
    '-H', 'Content-Type: application/json',
    '--data-binary', '{"code": "' . $code . '", "version": 1,'
        . ' "agency": "000.00.12.H36", "procedure": "2.000488",'
        . ' "channel": "online", "applicant": {"name": "Nguyễn Văn An"},'
        . ' "submitted_at": "2026-02-16T10:00:00+07:00", "due_at": "2026-03-06"}');
is($status, 200, 'an online dossier submitted on the eve of Tết') or diag($body);
($status, $h, $body) = tls_get("/api/v1/dossiers/$code");
like($body, qr/"received_at":"2026-02-23T07:00:00\+07:00"/,
    '... received when the offices open after Tết (onestop_calendar)')
    or diag($body);

$t->check_log;
$t->stop;
done_testing();
