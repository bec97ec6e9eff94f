#!/usr/bin/perl

# The store's map size is one fact that every process agrees on (issue 13,
# point 1; SPEC section 2: reserved once, no growth at run time).
#
# The reproduction of the crash: a store written by the CLI (which
# reserves 64g), nginx configured with map_size=4m and two workers, heavy
# distinct statistics misses (computed by the workers' thread-pool readers)
# and lookups, writes over HTTP, and the CLI importing 4,000 records at a
# time with a reload between imports.  nginx mapped 4m; each import took
# the data past it; MDB_MAP_RESIZED made a worker's event loop or writer
# thread call mdb_env_set_mapsize while its pool threads still read the
# old mapping, and workers died with SIGSEGV in about half of such runs.
# Now every process maps what the store records: no worker exits, every
# answer is right, verify is clean.
#
# Then a store that nginx creates with map_size=4m: the CLI maps 4m too
# and, when the store is full, says so (exit 1); writes over HTTP answer
# 507; map_size=16m and a reload grow it, and writes work again.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $ROUNDS = $ENV{ONESTOP_MAPGROW_ROUNDS} // 5;

# the test catalog's ids; the demo store's replace them in the first part
my @agencies = qw(000.00.12.H36 000.00.15.H36 000.30.01.H36 000.30.02.H36
                  000.31.01.H36);
my @procedures = qw(1.001234 1.009999 1.000894);
my (@test_agencies, @test_procedures) = ();

# a record of the test catalog, its dates spread over 2019-2023
sub record ($code, $i, $version = 1) {
    my $day = 1 + $i % 28;
    my $month = 1 + int($i / 28) % 12;
    my $year = 2019 + int($i / 336) % 5;
    my $due = sprintf('%04d-%02d-%02d', $year, $month, $day + ($i % 3 ? 0 : 1));
    return $json->encode({
        code => $code, version => $version,
        agency => $agencies[$i % @agencies],
        procedure => $procedures[$i % @procedures],
        channel => (qw(direct online postal))[$i % 3],
        applicant => { name => "Nguyễn Văn Thử $i" },
        contact => { phone => '0912345678', email => "t$i\@example.vn" },
        received_at => sprintf('%04d-%02d-%02d', $year, $month, $day),
        due_at => $due,
        ($i % 2 ? (resolved_at => $due) : ()),
    });
}

sub ndjson ($prefix, $from, $n) {
    return join('', map { record("$prefix-$_", $_) . "\n" }
                    $from .. $from + $n - 1);
}

sub worker_exits ($log) {
    return $log =~ /(worker process \d+ exited on signal \d+[^\n]*)/g;
}

# --- the reproduction ---------------------------------------------------

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$t->spew('keys', sha256_hex('mg-admin') . " * admin\n");

my ($rc, $out, $err) = $t->cli('demo', '3000');
is($rc, 0, 'the CLI writes a demo store of 3,000 dossiers') or diag($err);
@test_agencies = @agencies;
@test_procedures = @procedures;
for my $g (['agency', \@agencies], ['procedure', \@procedures]) {
    my ($grc, $gout) = $t->cli('stats', '--group', $g->[0]);
    my $groups = eval { $json->decode($gout)->{groups} } // [];
    @{ $g->[1] } = map { $_->{$g->[0]} } @$groups;
}
cmp_ok(scalar(@agencies) * scalar(@procedures), '>', 100,
       'the demo catalog\'s agencies and procedures');
($rc, $out, $err) = $t->cli('import', '-', \ndjson('MG-0', 0, 3000));
is($rc, 0, 'and 3,000 dossiers more, imported') or diag($err);

$t->write_conf(<<'END');
    onestop_store %%STORE%% map_size=4m;
    onestop_zone onestop 8m;
    onestop_ingest_keys %%DIR%%/keys;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /api/v1/stats { onestop_stats; }
        location /api/v1/dossiers/ { onestop_lookup json; }
        location /api/v1/ingest/ { onestop_ingest; }
        location = /metrics { onestop_metrics; }
    }
END
ok($t->start, 'nginx with map_size=4m on a store the CLI made')
    or BAIL_OUT('nginx did not start');

like($t->error_log, qr/reserves \d+ bytes, more than map_size=4194304/,
     'nginx says that the store keeps its own, larger size');
my $m = $t->get('/metrics')->{content};
my ($mapped) = $m =~ /^onestop_store_map_size_bytes (\d+)/m;
is($mapped, 64 << 30, 'the workers map what the store reserved (64g)');

my $stop = $t->dir . '/stop';
my @kids;

# heavy, distinct statistics misses and lookups under wrk
my $wrk_secs = 4 + 3 * $ROUNDS;
$t->spew('load.lua', <<'END');
math.randomseed(os.time())
request = function()
  if math.random() < 0.6 then
    local from = string.format("2019-%02d-%02d", math.random(1, 12),
                               math.random(1, 28))
    local to = string.format("2023-%02d-%02d", math.random(1, 12),
                             math.random(1, 28))
    return wrk.format("GET", "/api/v1/stats?from=" .. from .. "&to=" .. to
                      .. "&group=agency,procedure")
  end
  return wrk.format("GET", "/api/v1/dossiers/MG-0-" .. math.random(0, 2999))
end
END
my $wrk = fork() // die "fork: $!";
if ($wrk == 0) {
    open(STDOUT, '>', $t->dir . '/wrk.out');
    open(STDERR, '>&', \*STDOUT);
    exec('wrk', '-t2', '-c8', "-d${wrk_secs}s", '--timeout', '30s',
         '-s', $t->dir . '/load.lua', $t->url('/'));
    exit 127;
}

# writes over HTTP
{
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
        my ($n, $bad) = (0, 0);
        until (-e $stop) {
            my $r = $ua->request('POST', $t->url('/api/v1/ingest/dossiers'), {
                headers => { Authorization => 'Bearer mg-admin' },
                content => record("MG-H-$n", $n),
            });
            $n++;
            $bad++ if $r->{status} != 200;
        }
        Onestop::Test->can('spew')->($t, 'load.w', "$n $bad\n");
        exit 0;
    }
    push @kids, $pid;
}

# the CLI imports 4,000 at a time, nginx reloads between imports
my $imported = 3000;
my $imports_ok = 0;
for my $round (1 .. $ROUNDS) {
    ($rc, $out, $err) = $t->cli('import', '-',
                                \ndjson("MG-$round", 0, 4000));
    $imports_ok++ if $rc == 0;
    diag("import $round: $err") if $rc != 0;
    $imported += 4000;
    sleep 1.5;
    $t->reload;
    sleep 1;
}
is($imports_ok, $ROUNDS, "the CLI imported 4,000 records $ROUNDS times");

waitpid($wrk, 0);
$t->spew('stop', '');
waitpid($_, 0) for @kids;

my ($n, $bad) = split ' ', Onestop::Test::slurp($t->dir . '/load.w');
cmp_ok($n // 0, '>', 10, 'writes over HTTP during the imports (' . ($n // 0)
       . ')');
is($bad, 0, 'every write was 200');
my $wout = Onestop::Test::slurp($t->dir . '/wrk.out');
my ($requests) = $wout =~ /(\d+) requests in/;
cmp_ok($requests // 0, '>', 100, 'wrk: statistics misses and lookups ('
       . ($requests // 0) . ')') or diag($wout);
# (a reload closes kept-alive connections: wrk counts those as read
# errors, which is nginx's graceful shutdown, not an answer)
unlike($wout, qr/Non-2xx/, 'wrk: every answer 200') or diag($wout);
like($wout, qr/Socket errors: connect 0, read \d+, write 0, timeout 0/,
     'wrk: no connection refused or timed out')
    if $wout =~ /Socket errors/;

my @exits = worker_exits($t->error_log);
is(scalar(@exits), 0, 'no worker exited on a signal') or diag(join "\n", @exits);
unlike($t->error_log, qr/MDB_MAP_RESIZED|grew the store's map/,
       'no process had to resize');

my $r = $t->get("/api/v1/dossiers/MG-$ROUNDS-3999");
is($r->{status}, 200, 'the last imported record is served');
$r = $t->get('/api/v1/stats?from=2019-01-01&to=2024-06-15');
my ($crc, $cout) = $t->cli('stats', '--from', '2019-01-01',
                           '--to', '2024-06-15');
is_deeply($json->decode($r->{content}), $json->decode($cout),
          'nginx and the CLI give the same figures');

$t->stop;
($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'verify: every counter equals a recount') or diag("$out$err");
$t->check_log;

# --- a store made small by nginx ----------------------------------------

@agencies = @test_agencies;
@procedures = @test_procedures;
my $s = Onestop::Test->new(today => '2024-06-15', workers => 2);
$s->spew('keys', sha256_hex('mg-admin') . " * admin\n");
my $conf = <<'END';
    onestop_store %%STORE%% map_size=SIZE;
    onestop_zone onestop 8m;
    onestop_ingest_keys %%DIR%%/keys;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /api/v1/dossiers/ { onestop_lookup json; }
        location /api/v1/ingest/ { onestop_ingest; }
        location = /metrics { onestop_metrics; }
    }
END
(my $small = $conf) =~ s/SIZE/4m/;
$s->write_conf($small);
ok($s->start, 'nginx creates a store with map_size=4m')
    or BAIL_OUT('nginx did not start');
my %admin = (Authorization => 'Bearer mg-admin');
is($s->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
            body => Onestop::Test::catalog_json())->{status}, 200,
   'the catalog');

# the CLI fills it: it maps 4m too, and says the store is full
my $full = 0;
for my $round (1 .. 10) {
    ($rc, $out, $err) = $s->cli('import', '-', \ndjson("SM-$round", 0, 2000));
    if ($rc != 0) { $full = $round; last }
}
ok($full, "the CLI stops when the 4m store is full (import $full)");
like($err, qr/full/i, 'and says the store is full') or diag($err);

# writes over HTTP fill what the CLI's last batch could not
my $batch;
for my $k (1 .. 100) {
    $batch = '[' . join(',', map { record("SM-H$k-$_", $_) } 1 .. 200) . ']';
    $r = $s->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
                  body => $batch);
    last if $r->{status} != 200;
}
is($r->{status}, 507, 'then a write over HTTP to the full store: 507');
is($r->{headers}{'retry-after'}, '60',
    '... with Retry-After: 60 (nothing was written: the same batch later)');

# a larger map_size and a reload grow it
(my $large = $conf) =~ s/SIZE/16m/;
$s->write_conf($large);
$s->reload;
$m = $s->get('/metrics')->{content};
($mapped) = $m =~ /^onestop_store_map_size_bytes (\d+)/m;
is($mapped, 16 << 20, 'after map_size=16m and a reload: 16m');
$r = $s->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
              body => $batch);
is($r->{status}, 200, 'the same write now: 200') or diag($r->{content});
($rc, $out, $err) = $s->cli('import', '-', \ndjson('SM-after', 0, 2000));
is($rc, 0, 'and the CLI imports again') or diag($err);
is($s->get('/api/v1/dossiers/SM-after-1999')->{status}, 200,
   'what the CLI wrote is served');

my @sexits = worker_exits($s->error_log);
is(scalar(@sexits), 0, 'no worker exited on a signal')
    or diag(join "\n", @sexits);
$s->stop;
($rc, $out, $err) = $s->cli('verify');
is($rc, 0, 'verify is clean') or diag("$out$err");
$s->check_log;

done_testing();
