#!/usr/bin/perl

# A stress test of the statistics (issue 12): for 20 seconds, wrk asks two
# workers for statistics, apologies and widgets with many different query
# strings (every argument, valid and not), so that answers are computed on
# the thread pool, kept in the zone, evicted and replaced, while writes
# commit through both workers.  No worker may exit; no answer may be a 5xx;
# afterwards nginx and the CLI agree and verify is clean.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

plan skip_all => 'wrk is not installed'
    unless system('command -v wrk >/dev/null 2>&1') == 0;

my $SECONDS = $ENV{ONESTOP_STRESS_SECONDS} // 20;
my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$t->spew('keys', sha256_hex('st-admin') . " * admin\n");

my ($rc, $out, $err) = $t->cli('demo', '3000');
is($rc, 0, 'a demo store of 3,000 dossiers') or diag($err);

my (%ids, @codes);
for my $dim (qw(agency field procedure)) {
    my ($grc, $gout) = $t->cli('stats', '--group', $dim);
    my $groups = eval { $json->decode($gout)->{groups} } // [];
    $ids{$dim} = [map { $_->{$dim} } @$groups];
    cmp_ok(scalar(@{ $ids{$dim} }), '>', 2, "the demo's ids of $dim");
}

$t->write_conf(<<'END');
    onestop_store %%STORE%%;
    onestop_zone onestop 2m;
    onestop_ingest_keys %%DIR%%/keys;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /api/v1/stats { onestop_stats; }
        location /api/v1/apologies { onestop_apologies; }
        location /widget/ { onestop_widget; }
        location /api/v1/ingest/ { onestop_ingest; }
    }
END
ok($t->start, 'nginx with two workers and a small zone')
    or BAIL_OUT('nginx did not start');
my @workers = $t->worker_pids;

# the query strings: every argument, valid values mostly, some wrong ones
my $lua_list = sub ($name, @v) {
    return "local $name = {" . join(', ', map { "\"$_\"" } @v) . "}\n";
};
my $lua = $lua_list->('agencies', @{ $ids{agency} })
    . $lua_list->('fields', @{ $ids{field} })
    . $lua_list->('procedures', @{ $ids{procedure} })
    . <<'END';
local groups = {"agency", "top_agency", "field", "procedure", "channel",
                "level", "agency,channel", "field,level",
                "agency,procedure", "top_agency,field,channel", "nope"}
local periods = {"today", "month", "quarter", "year", "all", "week"}
local intervals = {"day", "month", "quarter", "year"}
local channels = {"direct", "online", "postal", "fax"}
local levels = {"province", "district", "commune"}
math.randomseed(os.time() + (wrk.thread and 7 or 0))
local function pick(t) return t[math.random(#t)] end
local function date(y0, y1)
  return string.format("%04d-%02d-%02d", math.random(y0, y1),
                       math.random(1, 12), math.random(1, 28))
end
request = function()
  local r = math.random()
  if r < 0.08 then
    return wrk.format("GET", "/widget/" .. pick(agencies) ..
                      (math.random() < 0.5 and ".svg" or ".html"))
  elseif r < 0.15 then
    return wrk.format("GET", "/api/v1/apologies?limit=" ..
                      math.random(1, 50) .. "&agency=" .. pick(agencies))
  end
  local a = {}
  if math.random() < 0.3 then
    a[#a + 1] = "period=" .. pick(periods)
  else
    if math.random() < 0.8 then a[#a + 1] = "from=" .. date(2019, 2022) end
    if math.random() < 0.8 then a[#a + 1] = "to=" .. date(2022, 2024) end
  end
  if math.random() < 0.3 then
    a[#a + 1] = "interval=" .. pick(intervals)
  elseif math.random() < 0.7 then
    a[#a + 1] = "group=" .. pick(groups)
  end
  if math.random() < 0.2 then a[#a + 1] = "agency=" .. pick(agencies) end
  if math.random() < 0.2 then a[#a + 1] = "under=" .. pick(agencies) end
  if math.random() < 0.15 then a[#a + 1] = "field=" .. pick(fields) end
  if math.random() < 0.1 then
    a[#a + 1] = "procedure=" .. pick(procedures)
  end
  if math.random() < 0.15 then a[#a + 1] = "channel=" .. pick(channels) end
  if math.random() < 0.15 then a[#a + 1] = "level=" .. pick(levels) end
  if math.random() < 0.2 then a[#a + 1] = "format=csv" end
  if math.random() < 0.05 then a[#a + 1] = "agency=nope" end
  return wrk.format("GET", "/api/v1/stats?" .. table.concat(a, "&"))
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
s4xx, s5xx = 0, 0
response = function(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1 end
end
done = function(summary, latency, requests)
  local c4, c5 = 0, 0
  for _, t in ipairs(threads) do
    c4 = c4 + t:get("s4xx")
    c5 = c5 + t:get("s5xx")
  end
  io.write("client errors: " .. c4 .. "\n")
  io.write("server errors: " .. c5 .. "\n")
end
END
$t->spew('stress.lua', $lua);

my $stop = $t->dir . '/stop';

# writers through both workers: a connection each time, so that the
# kernel spreads them over the two
my @kids;
for my $w (1 .. 2) {
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
        my ($n, $bad) = (0, 0);
        until (-e $stop) {
            my $i = $n++;
            my $ag = $ids{agency}[$i % @{ $ids{agency} }];
            my $pr = $ids{procedure}[$i % @{ $ids{procedure} }];
            my $day = 1 + $i % 28;
            my $rec = {
                code => "ST-$w-$i", version => 1, agency => $ag,
                procedure => $pr, channel => 'online',
                applicant => { name => 'Trần Thị Thử' },
                received_at => sprintf('2024-05-%02d', $day),
                due_at => sprintf('2024-06-%02d', $day),
                ($i % 2 ? (resolved_at => '2024-06-01') : ()),
            };
            my $r = $ua->request('POST', $t->url('/api/v1/ingest/dossiers'), {
                headers => { Authorization => 'Bearer st-admin' },
                content => $json->encode($rec),
            });
            $bad++ if $r->{status} != 200;
        }
        Onestop::Test->can('spew')->($t, "writes.$w", "$n $bad\n");
        exit 0;
    }
    push @kids, $pid;
}

my $wout = `wrk -t2 -c16 -d${SECONDS}s --timeout 30s \\
    -s @{[ $t->dir ]}/stress.lua @{[ $t->url('/') ]} 2>&1`;
$t->spew('stop', '');
waitpid($_, 0) for @kids;

my ($requests) = $wout =~ /(\d+) requests in/;
cmp_ok($requests // 0, '>', 500, 'wrk: requests made (' . ($requests // 0)
       . ')') or diag($wout);
like($wout, qr/server errors: 0\b/, 'no answer was a 5xx') or diag($wout);
my ($c4) = $wout =~ /client errors: (\d+)/;
cmp_ok($c4 // 0, '>', 0, 'the wrong arguments were refused (' . ($c4 // 0)
       . ' answers 4xx)');
unlike($wout, qr/Socket errors/, 'no connection error') or diag($wout);

my ($writes, $wbad) = (0, 0);
for my $w (1 .. 2) {
    my ($n, $bad) = split ' ', Onestop::Test::slurp($t->dir . "/writes.$w");
    $writes += $n // 0;
    $wbad += $bad // 1;
}
cmp_ok($writes, '>', 20, "writes committed meanwhile ($writes)");
is($wbad, 0, 'every write was 200');

my $log = $t->error_log;
my @exits = $log =~ /(worker process \d+ exited[^\n]*)/g;
is(scalar(@exits), 0, 'no worker exited') or diag(join "\n", @exits);
my %now = map { $_ => 1 } $t->worker_pids;
is(scalar(grep { $now{$_} } @workers), 2, 'the same two workers serve');

for my $q (['--group', 'agency'], ['--from', '2019-01-01', '--to',
           '2024-06-15', '--group', 'field,channel']) {
    my ($crc, $cout) = $t->cli('stats', @$q);
    my %a = @$q;
    my $args = join('&', map { (my $k = $_) =~ s/^--//; "$k=$a{$_}" }
                         sort keys %a);
    my $r = $t->get("/api/v1/stats?$args");
    is_deeply($json->decode($r->{content}), $json->decode($cout),
              "after the stress: nginx equals the CLI ($args)");
}

$t->stop;
($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'verify is clean') or diag("$out$err");
$t->check_log;

done_testing();
