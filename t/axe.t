#!/usr/bin/perl

# Accessibility (issue 17, WCAG 2.1 AA): every public page and widget,
# served by nginx over the demo data set, loaded in Debian's Chromium and
# audited by axe-core (pinned in t/axe/package-lock.json, installed into
# build/axe by `make audit-deps`, which `make test` runs) with zero
# violations: the lookup page (empty, a dossier, a 400 and a 404), a /q/
# page and its 404, the questions page, the dashboard, the HTML widgets,
# and the Vietnamese error pages.  Skipped without chromium or the tools.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex hmac_sha256);
use Encode qw(decode encode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Browser;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $ROOT = $Onestop::Test::ROOT;
my $AXE = "$ROOT/build/axe";

plan skip_all => 'no chromium (apt-get install chromium)'
    unless Onestop::Browser::available();
plan skip_all => 'no audit tools: make audit-deps'
    unless -f "$AXE/node_modules/.installed";

my $json = JSON::PP->new->utf8->canonical;
my $KEY = 'c3' x 32;
my $ERR = 'error_page 400 404 405 409 413 422 429 500 502 503 504 '
    . '/_onestop_errors/trang;';

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-11-20');
my ($rc, undef, $err) = $t->cli('demo', '2000');
is($rc, 0, 'the demo data set') or BAIL_OUT("demo: $err");
$t->spew('keys', sha256_hex('axe-admin') . " * admin\n");
$t->spew('qr.key', "$KEY\n");
$t->write_standard_conf(
    serve => [qw(lookup_page dashboard stats apologies widget ingest
        resolve evaluate)],
    qr_key => 1, map_size => '1g', zone => '4m',
    http => "onestop_calendar $ROOT/conf/calendar-vn.txt;\n",
    location => {lookup_page => "$ERR\n", resolve => "$ERR\n"},
    main => "env ONESTOP_TIME;\n",
    server => <<"END");
location ^~ /_onestop_errors/ {
    internal;
    location = /_onestop_errors/trang { onestop_error_page; }
}
location /hoi-dap { onestop_feedback html; $ERR }
location /api/v1/feedback { onestop_feedback json; }
location /api/v1/ingest/feedback { onestop_feedback ingest; }
location /khong-co { $ERR return 404; }
location /tin-tuc { $ERR proxy_pass http://127.0.0.1:9; }
location /qua-tai { $ERR return 429; }
END
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer axe-admin');

# a dossier of the demo, and its receipt's token
my $r = $t->get('/api/v1/apologies?limit=1');
my $code = eval { $json->decode($r->{content})->{items}[0]{code} };
ok(defined $code, 'a dossier of the demo') or BAIL_OUT('no code');
my $token = $code . '.'
    . encode_base64url(substr(hmac_sha256($code, pack('H*', $KEY)), 0, 12));

# a question, answered and published, so that the list shows one
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({kind => 'question', subject => 'Lệ phí khai sinh',
        text => 'Đăng ký khai sinh có mất phí không?',
        name => 'Lê Thị Hoa', contact => '0912345678'}));
is($r->{status}, 201, 'a question') or diag($r->{content});
my $q = eval { $json->decode($r->{content}) } // {};
$r = $t->http('POST', "/api/v1/ingest/feedback/$q->{id}",
    headers => {%admin, 'Content-Type' => 'application/json'},
    body => $json->encode({answer => 'Đăng ký khai sinh đúng hạn được '
        . 'miễn lệ phí.', publish => JSON::PP::true}));
is($r->{status}, 200, 'answered and published') or diag($r->{content});

my $u = 'http://127.0.0.1:' . $t->port;
my @pages = (
    '/tra-cuu', "/tra-cuu?code=$code", '/tra-cuu?code=KHONG-CO-1',
    '/tra-cuu?code=a%20b', "/q/$token", '/q/KHONG-CO-1.AAAAAAAAAAAAAAAA',
    '/hoi-dap', '/hoi-dap?q=khai+sinh',
    "/hoi-dap/$q->{id}?token=$q->{token}", '/',
    '/widget/province.html', '/widget/000.00.12.H36.html',
    '/khong-co', '/tin-tuc/', '/qua-tai',
);

my $out = `NODE_PATH=$AXE/node_modules node $ROOT/t/axe/audit.js @{[ map { "'$u$_'" } @pages ]} 2>&1`;
is($?, 0, 'the audit ran') or diag($out);

my %seen;
for my $line (split /\n/, $out) {
    my $res = eval { $json->decode($line) } or next;
    (my $path = $res->{url}) =~ s/^\Q$u\E//;
    $seen{$path} = 1;
    my @v = @{ $res->{violations} };
    is(scalar @v, 0, "$path ($res->{status}): no axe violation")
        or diag(join "\n", map {
            "$_->{id} ($_->{impact}): $_->{help}\n    "
            . join("\n    ", map { "@{ $_->{target} }: "
                . ($_->{summary} // '') =~ s/\n/ /gr } @{ $_->{nodes} })
        } @v);
}
ok($seen{$_}, "$_ audited") for @pages;

$t->stop;
done_testing();
