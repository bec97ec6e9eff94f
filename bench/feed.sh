#!/bin/sh
# The change feed's cost on writes: single-record POSTs with and without
# onestop_redis, against the same nginx and the same store (a reload
# switches between the two), in alternating rounds.
#
#   bench/feed.sh            # about 2 minutes (a 50,000-dossier store)
#
# Rounds alternate which side runs first (the store grows as they go).
# Each round: BENCH_WRITES (2,000) sequential single-record POSTs, one
# connection each (latency), then BENCH_SECONDS (10) of wrk with 16
# connections (throughput); with Redis, the round ends when Redis has every
# change (the catch-up time is printed, and the stream's length checked).
# Also nginx's CPU per write (the workers' user + system time over the
# round, publishing included, divided by the writes): unlike latency and
# req/s it does not move when other programs compete for the disk or the
# cores (though it too grows when the machine is oversubscribed: look at
# the load average printed at the end).  Goal: the feed costs under 10 %
# (CPU per write and mean latency ratios <= 1.10, req/s ratio >= 0.90).
# Settings: BENCH_ROUNDS (3), BENCH_WRITES, BENCH_SECONDS, BENCH_DOSSIERS
# (50,000: the demo store the writes land in); ONESTOP_KEEP=1 keeps the
# directory.

set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
exec perl -x "$here/feed.sh" "$@"

#!perl
use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(sleep time);

use Onestop::Test;

my $WRITES = $ENV{BENCH_WRITES} // 2000;
my $SECONDS = $ENV{BENCH_SECONDS} // 10;
my $ROUNDS = $ENV{BENCH_ROUNDS} // 3;
my $DOSSIERS = $ENV{BENCH_DOSSIERS} // 50000;

for my $need ('wrk', 'redis-server', 'redis-cli') {
    system("command -v $need >/dev/null 2>&1") == 0
        or die "bench/feed.sh needs $need\n";
}
-x $Onestop::Test::CLI && -f $Onestop::Test::MODULE
    or die "run make first\n";

my $json = JSON::PP->new->canonical;
my $t = Onestop::Test->new(workers => 2);
my $dir = $t->dir;
my $rport = $t->start_redis;

say "writing a demo store of $DOSSIERS dossiers ...";
my ($rc, $out, $err) = $t->cli('demo', $DOSSIERS);
$rc == 0 or die "onestop demo: $err";

# agency and procedure pairs the demo catalog has, communes first (their
# changes move the most figures: commune, district, province)
($rc, $out) = $t->cli('stats', '--group', 'agency,procedure,level');
my @pairs = map { [$_->{agency}, $_->{procedure}, $_->{level}] }
    @{JSON::PP->new->utf8->decode($out)->{groups}};
@pairs = ((grep { $_->[2] eq 'commune' } @pairs),
    (grep { $_->[2] ne 'commune' } @pairs))[0 .. 39];
@pairs = grep { defined } @pairs;
@pairs or die "no agency in the demo store\n";

$t->spew('keys', sha256_hex('bench-key') . " * bench\n");

my $HTTP = <<'END';
    onestop_store %%STORE%% map_size=4g;
    onestop_zone onestop 32m;
    onestop_ingest_keys %%DIR%%/keys;
    access_log off;
    %%FEED%%

    server {
        listen 127.0.0.1:%%PORT%%;
        location /api/v1/ingest/ { onestop_ingest; }
        location /metrics { onestop_metrics; }
    }
END

sub configure($feed) {
    (my $c = $HTTP) =~ s/%%FEED%%/
        $feed ? "onestop_redis 127.0.0.1:$rport prefix=bench;" : ''/e;
    $t->write_conf($c);
}

configure(0);
$t->start or die "nginx did not start\n";

my $today = do {
    my @l = localtime;
    sprintf '%04d-%02d-%02d', $l[5] + 1900, $l[4] + 1, $l[3];
};

sub record($code, $i) {
    my $p = $pairs[$i % @pairs];
    return $json->encode({ code => $code, version => 1, agency => $p->[0],
        procedure => $p->[1], channel => 'online',
        applicant => { name => 'Nguyễn Văn Bench' },
        received_at => $today, due_at => $today });
}

# the nginx workers' CPU time, in microseconds
sub worker_cpu() {
    my $us = 0;
    for my $pid ($t->worker_pids) {
        open(my $fh, '<', "/proc/$pid/stat") or next;
        my @f = split ' ', (<$fh> =~ s/^.*\) //r);
        $us += ($f[11] + $f[12]) * 1e6 / 100;     # utime, stime (ticks)
    }
    return $us;
}

sub metrics() {
    my %m;
    for (split /\n/, $t->get('/metrics')->{content} // '') {
        $m{$1} = $2 if /^(onestop_\w+) (\S+)$/;
    }
    return \%m;
}

# wrk: every request a new dossier, codes of their own per round
sub wrk_script($round) {
    my $file = "$dir/post-$round.lua";
    my $list = join ",\n", map { qq(  {"$_->[0]", "$_->[1]"}) } @pairs;
    open(my $fh, '>', $file) or die;
    print $fh <<"END";
local pairs_ = {
$list
}
local n, id = 0, 0
local headers = { ["Authorization"] = "Bearer bench-key",
                  ["Content-Type"] = "application/json" }
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args) end
function request()
  n = n + 1
  local p = pairs_[(n % #pairs_) + 1]
  local body = string.format('{"code":"W$round-%d-%d","version":1,' ..
    '"agency":"%s","procedure":"%s","channel":"online",' ..
    '"applicant":{"name":"Bench"},"received_at":"$today",' ..
    '"due_at":"$today"}', id, n, p[1], p[2])
  return wrk.format("POST", "/api/v1/ingest/dossiers", headers, body)
end
END
    close $fh;
    return $file;
}

sub round($feed, $r) {
    configure($feed);
    $t->reload;
    sleep 1;
    my $label = ($feed ? 'R' : 'N') . $r;
    # a connection per request: HTTP::Tiny sends a keep-alive POST's body
    # apart from its headers, and Nagle with delayed ACKs adds 40 ms
    my $ua = HTTP::Tiny->new(keep_alive => 0, timeout => 30);
    my $url = $t->url('/api/v1/ingest/dossiers');
    my %h = (Authorization => 'Bearer bench-key',
        'Content-Type' => 'application/json');
    my (@lat, $bad);
    my $seq0 = metrics()->{onestop_store_changes_total};
    my $xlen0 = `redis-cli -p $rport XLEN bench:changes` + 0;
    my $cpu0 = worker_cpu();

    for my $i (1 .. $WRITES) {
        my $t0 = time;
        my $res = $ua->post($url, { headers => \%h,
            content => record("S$label-$i", $i) });
        push @lat, time - $t0;
        $bad++ if $res->{status} != 200;
    }
    die "round $label: $bad writes failed\n" if $bad;

    my $script = wrk_script($label);
    my $port = $t->port;
    my $cmd = "wrk -t4 -c16 -d${SECONDS}s -s $script http://127.0.0.1:$port/";
    my $w = `$cmd 2>&1`;
    my ($rps) = $w =~ /Requests\/sec:\s+([\d.]+)/;
    my ($nreq) = $w =~ /(\d+) requests in/;
    my ($non2xx) = $w =~ /Non-2xx or 3xx responses: (\d+)/;
    die "round $label: wrk: $w\n" unless defined $rps;
    die "round $label: $non2xx failed writes\n" if $non2xx;

    my %res = (lat => [sort { $a <=> $b } @lat], rps => $rps,
        n => $WRITES + $nreq);

    if ($feed) {
        my $t0 = time;
        my $m;
        while (time - $t0 < 120) {
            $m = metrics();
            last if $m->{onestop_redis_outbox_depth} == 0
                && $m->{onestop_redis_published_seq}
                   == $m->{onestop_store_changes_total};
            sleep 0.05;
        }
        $res{catchup} = time - $t0;
        my $xlen = `redis-cli -p $rport XLEN bench:changes` + 0;
        $res{xlen} = $xlen - $xlen0;
        $res{seq} = $m->{onestop_store_changes_total} - $seq0;
    }

    $res{cpu} = (worker_cpu() - $cpu0) / $res{n};

    return \%res;
}

sub median(@l) {
    @l = sort { $a <=> $b } @l;
    return @l % 2 ? $l[$#l / 2] : ($l[@l / 2 - 1] + $l[@l / 2]) / 2;
}
sub mean(@l) { my $s = 0; $s += $_ for @l; $s / @l }
sub pct($l, $p) { $l->[int($p * $#$l)] }

my (%base, %feed);
for my $r (1 .. $ROUNDS) {
    # the store grows with every round: alternate which side goes first
    for my $feed ($r % 2 ? (0, 1) : (1, 0)) {
        my $res = round($feed, $r);
        my $h = $feed ? \%feed : \%base;
        push @{$h->{mean}}, 1000 * mean(@{$res->{lat}});
        push @{$h->{p50}}, 1000 * pct($res->{lat}, 0.5);
        push @{$h->{p99}}, 1000 * pct($res->{lat}, 0.99);
        push @{$h->{rps}}, $res->{rps};
        push @{$h->{cpu}}, $res->{cpu};
        printf "round %d %-13s mean %.2f ms, p99 %.2f ms, %d req/s, "
            . "%.0f us CPU/write%s\n", $r,
            $feed ? 'with Redis:' : 'without:', $h->{mean}[-1],
            $h->{p99}[-1], $res->{rps}, $res->{cpu},
            $feed ? sprintf(', caught up %.2f s later, %d of %d changes '
                . 'in the stream', $res->{catchup}, $res->{xlen},
                $res->{seq}) : '';
        die "the stream misses changes\n"
            if $feed && $res->{xlen} != $res->{seq};
    }
}

my @rows = (
    ['sequential mean, ms', 'mean', 0],
    ['sequential p50, ms', 'p50', 0],
    ['sequential p99, ms', 'p99', 0],
    ['16 clients, req/s', 'rps', 1],
    ['nginx CPU/write, us', 'cpu', 0],
);

say '';
say "the feed's cost on single-record writes ($DOSSIERS dossiers, "
    . "2 workers, median of $ROUNDS rounds)";
printf "%-22s %12s %12s %8s\n", '', 'without', 'with Redis', 'ratio';
my $ok = 1;
for (@rows) {
    my ($name, $k, $higher) = @$_;
    my ($b, $f) = (median(@{$base{$k}}), median(@{$feed{$k}}));
    my $ratio = $b ? $f / $b : 0;
    printf "%-22s %12.2f %12.2f %8.3f\n", $name, $b, $f, $ratio;
    $ok = 0 if $k eq 'mean' && $ratio > 1.10;
    $ok = 0 if $k eq 'rps' && $ratio < 0.90;
    $ok = 0 if $k eq 'cpu' && $ratio > 1.10;
}
say $ok ? 'goal met: under 10 %' : 'goal missed: 10 % or more';
printf "load average during the run: %s", `cat /proc/loadavg`;

$t->stop;
$t->stop_redis;
