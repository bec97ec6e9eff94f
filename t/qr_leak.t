#!/usr/bin/perl

# QR rendering does not leak (STYLE: "free what libqrencode allocates on
# every path"): one worker renders tens of thousands of PNG and SVG codes
# and receipts, at several sizes, over keep-alive connections, and its
# resident memory stays flat once warm.  valgrind on a running nginx is too
# slow for this; a leak of even 100 bytes a render shows as megabytes here.
#
# wrk drives the load when it is installed (with a Lua script that cycles
# through the URLs and stops after a number of answers), HTTP::Tiny with
# keep-alive otherwise.  Each round is capped in time so that the whole
# test stays under a minute on a busy machine; the assertions are per
# render, so a shorter round only makes them less sensitive, never wrong.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

plan(skip_all => 'needs /proc/PID/status') unless -r '/proc/self/status';

my $ROUND = $ENV{ONESTOP_LEAK_RENDERS} // 40000;   # renders a round
my $CAP = $ENV{ONESTOP_LEAK_SECONDS} // 16;         # seconds a round, at most
my $have_wrk = system('command -v wrk >/dev/null 2>&1') == 0;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
$t->spew('keys', sha256_hex('leak-admin-key') . " * admin\n");
$t->spew('qr.key', ('c4' x 32) . "\n");
$t->write_standard_conf(serve => [qw(ingest qr receipt)], map_size => '64m',
    qr_key => 1, public_url => 'https://dichvucong.longan.gov.vn',
    server => "access_log off;\nkeepalive_requests 1000000;");

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer leak-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my @recs = map {
    {code => $_->[0], version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'online',
        applicant => {name => $_->[1]},
        received_at => '2024-06-03T08:15:00+07:00',
        due_at => '2024-06-20T17:00:00+07:00'}
} (['000.00.12.H36-240603-0001', 'Nguyễn Văn An'],
   ['L-' . ('9' x 62), 'Trần Thị Bích Ngọc Hương']);        # a 64-byte code
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# what one round asks: PNG and SVG at several sizes for both codes, and a
# receipt now and then (it renders a QR code too)
my @paths;
for my $code (map { $_->{code} } @recs) {
    push @paths, "/qr/$code.png", "/qr/$code.svg", "/qr/$code.png?size=9",
        "/qr/$code.svg?size=1", "/qr/$code.png?size=2";
}
push @paths, "/receipt/$recs[0]{code}";
for my $p (@paths) {
    $r = $t->get($p, headers => \%admin);
    is($r->{status}, 200, "$p renders") or diag($r->{content});
}

my ($worker) = $t->worker_pids;
ok($worker, 'one worker') or BAIL_OUT('no worker');

sub rss_kb () {
    open(my $fh, '<', "/proc/$worker/status") or return;
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+)\s+kB/;
    }
    return;
}

my $lua = $t->spew('cycle.lua', <<'END');
local paths = {}
local i = 0
local n = 0
local bad = 0
local max = tonumber(os.getenv("ONESTOP_WRK_MAX"))
init = function(args)
    for _, p in ipairs(args) do paths[#paths + 1] = p end
end
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
    n = n + 1
    if n >= max then wrk.thread:stop() end
end
END

# one round of at most $cap seconds: (answers, answers that were not 200)
sub round ($want, $cap = $CAP) {
    if ($have_wrk) {
        local $ENV{ONESTOP_WRK_MAX} = $want;
        my $cmd = join ' ', 'wrk', '-t1', '-c8', "-d${cap}s",
            '--timeout', '10s',
            '-H', Onestop::Test::quote("Authorization: Bearer leak-admin-key"),
            '-s', $lua, $t->url('/'), '--', @paths;
        my $out = `$cmd 2>&1`;
        my ($n) = $out =~ /(\d+) requests in /;
        my ($bad) = $out =~ /Non-2xx or 3xx responses: (\d+)/;
        my ($err) = $out =~ /Socket errors: ([^\n]*)/;
        diag("wrk: $out") unless defined $n;
        diag("wrk socket errors: $err") if defined $err;
        return ($n // 0, $bad // 0);
    }
    my $ua = HTTP::Tiny->new(keep_alive => 1, timeout => 10);
    my ($n, $bad, $end) = (0, 0, time + $cap);
    while ($n < $want && time < $end) {
        my $res = $ua->get($t->url($paths[$n % @paths]),
            {headers => \%admin});
        $bad++ if $res->{status} != 200;
        $n++;
    }
    return ($n, $bad);
}

# warm up: every size and path once and again, so that the allocator and
# nginx's buffers reach their working size
my ($n0, $bad0) = round(4000, 6);
cmp_ok($n0, '>', 0, "warm-up: $n0 renders");
is($bad0, 0, 'warm-up: every answer 200');
my $rss1 = rss_kb();
ok(defined $rss1, "worker's RSS after warm-up: $rss1 kB");

my ($n1, $bad1) = round($ROUND);
is($bad1, 0, "round 1: $n1 renders, every answer 200");
my $rss2 = rss_kb();
note("RSS after round 1: $rss2 kB");

my ($n2, $bad2) = round($ROUND);
is($bad2, 0, "round 2: $n2 renders, every answer 200");
my $rss3 = rss_kb();
note("RSS after round 2: $rss3 kB");

is(($t->worker_pids)[0], $worker, 'the same worker throughout (no crash)');
cmp_ok($n1, '>=', 5000, 'round 1 long enough to tell');
cmp_ok($n2, '>=', 5000, 'round 2 long enough to tell');

# a leak of L bytes a render grows RSS by L * renders; pages come in 4 kB
# and malloc keeps some slack, so allow 256 kB of noise on top
my $grow = ($rss3 - $rss2) * 1024;
cmp_ok($grow, '<', 256 * 1024 + 16 * $n2,
    sprintf('RSS grew by %d kB over round 2 (%d renders): under 16 bytes '
        . 'a render', $grow / 1024, $n2));
$grow = ($rss3 - $rss1) * 1024;
cmp_ok($grow, '<', 256 * 1024 + 16 * ($n1 + $n2),
    sprintf('RSS grew by %d kB over both rounds (%d renders)', $grow / 1024,
        $n1 + $n2));
cmp_ok($rss3 - $rss2, '<', 2048, 'under 2 MB between the second and third '
    . 'measure, whatever the count');

# still rendering correctly at the end
$r = $t->get("/qr/$recs[0]{code}.png", headers => \%admin);
is($r->{status}, 200, 'still renders');
like($r->{content}, qr/^\x89PNG\r\n\x1a\n/, 'a PNG');

$t->stop;
$t->check_log;

done_testing;
