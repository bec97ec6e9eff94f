#!/usr/bin/perl

# The change feed (SPEC section 9): the stream holds every change in
# order with the fields of the contract and nothing personal; the figures
# in the snapshot hash and on the channels are those of the statistics
# API; a Redis that is down, or that accepts and never answers, holds up
# no write, lookup or statistics answer, and publishing catches up by
# itself; a reload while publishing loses and doubles nothing; changes
# dropped past onestop_outbox_max become a "gap" entry; without
# onestop_redis nothing is published.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode ();
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $rport = $t->start_redis;
my $hang = Onestop::Test::free_port();

$t->spew('keys', sha256_hex('feed-admin-key') . " * admin\n");

sub conf($extra, %o) {
    return $t->standard_conf(serve => [qw(lookup ingest stats evaluate
        metrics)], zone => '8m', http => $extra, %o);
}

sub feed($port, $more = '', $args = '') {
    return conf($more, redis => "127.0.0.1:$port prefix=t interval=100 "
        . "maxlen=100000 $args");
}

$t->write_conf(feed($rport));
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer feed-admin-key');

# ---------------------------------------------------------------------
# a small RESP client: commands, replies, and a subscriber

sub resp_connect() {
    return IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $rport, Proto => 'tcp', Timeout => 5);
}

sub resp_send($s, @args) {
    my $m = '*' . @args . "\r\n";
    $m .= '$' . length($_) . "\r\n$_\r\n" for @args;
    print $s $m;
}

# replies are read through our own buffer (sysread), so that select()
# on the socket tells the truth about what is left to read
my %buf;

sub fill($s, $need) {
    while (length($buf{$s} // '') < $need) {
        my $n = sysread($s, my $chunk, 65536);
        die "redis closed the connection\n" unless $n;
        $buf{$s} .= $chunk;
    }
}

sub line($s) {
    my $i;
    while (($i = index($buf{$s} // '', "\r\n")) < 0) {
        fill($s, length($buf{$s} // '') + 1);
    }
    my $l = substr($buf{$s}, 0, $i);
    substr($buf{$s}, 0, $i + 2) = '';
    return $l;
}

sub resp_read($s) {
    my $line = line($s);
    my ($type, $rest) = (substr($line, 0, 1), substr($line, 1));
    return $rest if $type eq '+' || $type eq ':';
    return { error => $rest } if $type eq '-';
    if ($type eq '$') {
        return undef if $rest < 0;
        fill($s, $rest + 2);
        my $data = substr($buf{$s}, 0, $rest);
        substr($buf{$s}, 0, $rest + 2) = '';
        return $data;
    }
    if ($type eq '*') {
        return undef if $rest < 0;
        return [map { resp_read($s) } 1 .. $rest];
    }
    die "bad reply: $line\n";
}

# a message within $timeout seconds, or undef
sub next_message($s, $timeout) {
    my $sel = IO::Select->new($s);
    my $end = time + $timeout;
    while (length($buf{$s} // '') || $sel->can_read($end - time)) {
        my $m = resp_read($s);
        return $m if ref $m eq 'ARRAY' && $m->[0] eq 'message';
        last if time >= $end;
    }
    return;
}

my $R;

sub r(@args) {
    $R //= resp_connect() or die "no redis\n";
    resp_send($R, @args);
    return resp_read($R);
}

# the stream as [[seq, {fields}], ...]
sub stream() {
    my $all = r('XRANGE', 't:changes', '-', '+');
    return [] unless ref $all eq 'ARRAY';
    return [map {
        my ($id, $f) = @$_;
        $id =~ /^(\d+)-0$/ or die "odd id $id\n";
        [$1 + 0, {@$f}];
    } @$all];
}

sub metrics() {
    my $res = $t->get('/metrics');
    my %m;
    for (split /\n/, $res->{content} // '') {
        $m{$1} = $2 if /^(onestop_\w+) (\S+)$/;
    }
    return \%m;
}

sub wait_for($what, $timeout, $cond) {
    my $end = time + $timeout;
    while (time < $end) {
        my $v = $cond->();
        return $v if $v;
        sleep 0.05;
    }
    diag("waited $timeout s for $what");
    return;
}

# every change committed is in Redis
sub caught_up($timeout = 20) {
    return wait_for('the feed to catch up', $timeout, sub {
        my $m = metrics();
        defined $m->{onestop_redis_outbox_depth}
            && $m->{onestop_redis_outbox_depth} == 0
            && $m->{onestop_redis_published_seq}
               == $m->{onestop_store_changes_total}
            ? $m->{onestop_store_changes_total} : 0;
    });
}

# ids first..last, each once, seq field = id
sub contiguous($entries, $first, $last) {
    my @ids = map { $_->[0] } @$entries;
    my @want = ($first .. $last);
    return 0 unless "@ids" eq "@want";
    return !grep { $_->[1]{seq} ne $_->[0] } @$entries;
}

# ---------------------------------------------------------------------
# dossiers

my $N = 0;

sub rec(%over) {
    $N++;
    return {
        code => sprintf('000.00.30.H36-240601-%04d', $N),
        version => 1,
        agency => '000.30.01.H36',
        procedure => '1.000894',
        channel => 'online',
        applicant => { name => 'Nguyễn Văn Bí Mật' },
        contact => { phone => '0912345678', email => 'bimat@example.vn' },
        received_at => '2024-06-01',
        due_at => '2024-06-20',
        %over,
    };
}

sub post($body) {
    my $t0 = time;
    my $res = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => ref $body ? $json->encode($body) : $body);
    return ($res, time - $t0);
}

my $res = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($res->{status}, 200, 'catalog') or diag($res->{content});

# subscribed before the writes
my $sub = resp_connect() or BAIL_OUT('no redis');
resp_send($sub, 'SUBSCRIBE', 't:stats:000.00.30.H36', 't:stats');
resp_read($sub) for 1 .. 2;

my @agencies = qw(000.30.01.H36 000.30.02.H36 000.00.12.H36 000.31.01.H36);
my @written;

for my $i (1 .. 24) {
    my $a = $agencies[$i % @agencies];
    my %r = (agency => $a,
        procedure => $a eq '000.00.12.H36' ? '1.001234' : '1.000894',
        channel => (qw(online direct postal))[$i % 3]);
    %r = (%r, resolved_at => '2024-06-10') if $i % 3 == 0;
    %r = (%r, received_at => '2023-12-01', due_at => '2023-12-20')
        if $i % 5 == 0;
    my $rec = rec(%r);
    ($res) = post($rec);
    is($res->{status}, 200, "write $i") or diag($res->{content});
    push @written, $rec;
}

# an array: one commit, several changes
my @batch = (rec(), rec(agency => '000.00.12.H36', procedure => '1.001234'));
($res) = post(\@batch);
is($res->{status}, 200, 'a batch of two, one commit');
push @written, @batch;

# a new version, a deletion and an evaluation
my $v2 = { %{$written[0]}, version => 2, resolved_at => '2024-06-12' };
($res) = post($v2);
is($res->{status}, 200, 'a new version');

$res = $t->http('DELETE', "/api/v1/ingest/dossiers/$written[1]{code}",
    headers => \%admin);
is($res->{status}, 200, 'a deletion');

$res = $t->http('POST', '/api/v1/evaluations', headers => \%admin,
    body => $json->encode({ code => $written[2]{code},
        answers => { 3 => 2, 7 => 1 } }));
is($res->{status}, 201, 'an evaluation') or diag($res->{content});

my $seq = caught_up();
ok($seq, "published up to $seq");

my $s = stream();
ok(contiguous($s, 1, $seq), "the stream holds 1..$seq in order")
    or diag(join ' ', map { $_->[0] } @$s);

my %kinds;
$kinds{$_->[1]{kind}}++ for @$s;
is_deeply(\%kinds, { catalog => 1, dossier => 24 + 2 + 1, delete => 1,
    evaluation => 1 }, 'kinds');

# every entry has its commit time (issue 15); a dossier's, its record
like($_->[1]{ts} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00\z/,
    "entry $_->[0]: ts in RFC 3339, +07:00") for @$s[0 .. 2];
my %records = map { $_->[0] => delete $_->[1]{record} } @$s;
delete $_->[1]{ts} for @$s;
is(scalar(grep { defined } values %records), 24 + 2 + 1,
    'a record in each dossier entry, none in the others');
my $rec2 = $json->decode($records{2});
is_deeply([@$rec2{qw(code status)}, $rec2->{applicant}{name}],
    [$written[0]{code}, 'processing', 'Nguyễn V. B. M.'],
    'the record: the lookup object, the name masked');

is_deeply($s->[0][1], { seq => 1, kind => 'catalog', agency => 'province' },
    'the catalog entry');
is_deeply($s->[1][1], { seq => 2, kind => 'dossier',
    agency => $written[0]{agency}, code => $written[0]{code},
    version => 1 }, 'a dossier entry');

my ($del) = grep { $_->[1]{kind} eq 'delete' } @$s;
is_deeply($del->[1], { seq => $del->[0], kind => 'delete',
    agency => $written[1]{agency}, code => $written[1]{code},
    version => 1 }, 'the delete entry');

my ($ev) = grep { $_->[1]{kind} eq 'evaluation' } @$s;
is_deeply($ev->[1], { seq => $ev->[0], kind => 'evaluation',
    agency => $written[2]{agency} }, 'the evaluation entry has no code');

my ($ver) = grep { $_->[1]{kind} eq 'dossier'
    && $_->[1]{code} eq $written[0]{code} && $_->[1]{version} == 2 } @$s;
ok($ver, 'the new version');

my %allowed = map { $_ => 1 } qw(seq kind agency code version first last);
my @personal = grep {
    my $f = $_->[1];
    grep({ !$allowed{$_} } keys %$f)
        || grep({ /Nguy|Bí|0912345678|bimat|example/ } values %$f)
} @$s;
push @personal, grep { /Văn|Bí Mật|0912345678|bimat|example/ }
    map { Encode::decode('UTF-8', $_) } grep { defined } values %records;
is(scalar @personal, 0, 'no name, phone or email in any field');

# the figures: the snapshot and the messages against the statistics API

sub api_totals($under, $period) {
    my $q = $under eq 'province' ? '' : "under=$under&";
    my $r = $t->get("/api/v1/stats?${q}period=$period");
    return $r->{status} == 200 ? $json->decode($r->{content})->{totals}
        : undef;
}

sub live($agency) {
    my $v = r('HGET', 't:stats:live', $agency);
    return defined $v && !ref $v ? $json->decode($v) : undef;
}

my @tree = qw(000.30.01.H36 000.00.30.H36 000.00.12.H36 000.31.01.H36
    000.00.31.H36 province);

# each agency's snapshot: the figures of the API, as of a seq no older
# than the agency's last change
my %changed;
$changed{$_->[1]{agency}} = $_->[0] for @$s;
my %parent = ('000.30.01.H36' => '000.00.30.H36',
    '000.30.02.H36' => '000.00.30.H36', '000.31.01.H36' => '000.00.31.H36');
for my $a (keys %changed) {
    my $p = $parent{$a} or next;
    $changed{$p} = $changed{$a} if ($changed{$p} // 0) < $changed{$a};
}
$changed{province} = $seq;

for my $a (@tree) {
    my $snap = wait_for("the snapshot of $a", 10, sub {
        my $v = live($a);
        $v && $v->{seq} >= $changed{$a} ? $v : undef;
    });
    ok($snap && $snap->{seq} <= $seq,
        "snapshot of $a at seq $changed{$a} or later") or next;
    is($snap->{agency}, $a, "snapshot of $a names it");
    is_deeply($snap->{all}, api_totals($a, 'all'), "$a: all time = API");
    is_deeply($snap->{year}, api_totals($a, 'year'), "$a: this year = API");
}

# the messages: the last one of the district and of the province

my %last;
while (my $m = next_message($sub, 1)) {
    my $j = $json->decode($m->[2]);
    $last{"$m->[1] $j->{agency}"} = $j;
}

my $msg = $last{'t:stats:000.00.30.H36 000.00.30.H36'};
ok($msg && $msg->{seq} >= $changed{'000.00.30.H36'},
    'a message on the district channel')
    or diag(explain(\%last));
is_deeply($msg, live('000.00.30.H36'), 'the message is the snapshot');
is_deeply($last{'t:stats province'}, live('province'),
    'the province on the common channel');
ok($last{'t:stats 000.30.01.H36'}, 'the commune on the common channel');

# coalesced: at most one message per agency per interval (100 ms)
my $t0 = time;
post(rec(agency => '000.30.02.H36')) for 1 .. 40;
my $span = time - $t0;
caught_up();
my $n = 0;
while (my $m = next_message($sub, 1)) {
    $n++ if $m->[1] eq 't:stats:000.00.30.H36';
}
ok($n >= 1 && $n <= $span / 0.1 + 3,
    "40 writes in ${\ sprintf '%.2f', $span} s: $n messages for the district");
close $sub;

# ---------------------------------------------------------------------
# Redis down: writes stay fast, then the stream catches up in order

my $m = metrics();
is($m->{onestop_redis_connected}, 1, 'metrics: connected');
is($m->{onestop_redis_outbox_depth}, 0, 'metrics: nothing waits');

# what Redis acknowledged leaves the store's outbox, writes or no writes
ok(wait_for('the outbox to be trimmed', 10, sub {
    `mdb_stat -s outbox ${\ $t->store} 2>&1` =~ /Entries:\s*0\b/;
}), 'the outbox is trimmed once Redis has everything');
ok($m->{onestop_redis_published_changes_total} >= $seq,
    'metrics: published changes');

my @up;
for (1 .. 100) {
    my ($r, $dt) = post(rec());
    push @up, $dt;
}
my $before = caught_up();
ok($before, 'all published before Redis goes');

sub avg(@l) { my $s = 0; $s += $_ for @l; @l ? $s / @l : 0 }
sub max(@l) { my $m = 0; $_ > $m and $m = $_ for @l; $m }

$t->stop_redis;
undef $R;

my (@down, $bad);
for (1 .. 600) {
    my ($r, $dt) = post(rec(agency => $agencies[$_ % @agencies],
        procedure => $agencies[$_ % @agencies] eq '000.00.12.H36'
            ? '1.001234' : '1.000894'));
    $bad++ if $r->{status} != 200;
    push @down, $dt;
}
ok(!$bad, '600 writes with Redis down: all 200');
ok(max(@down) < 1, sprintf('each under 1 s (slowest %.3f s)', max(@down)));
ok(avg(@down) < 3 * avg(@up) + 0.02,
    sprintf('as fast as with Redis up (%.2f ms against %.2f ms)',
        1000 * avg(@down), 1000 * avg(@up)));

$t0 = time;
$res = $t->get("/api/v1/dossiers/$written[3]{code}");
is($res->{status}, 200, 'a lookup with Redis down');
$res = $t->get('/api/v1/stats?under=000.00.30.H36&period=all');
is($res->{status}, 200, 'statistics with Redis down');
ok(time - $t0 < 1, 'both at once');

$m = metrics();
is($m->{onestop_redis_connected}, 0, 'metrics: not connected');
is($m->{onestop_redis_outbox_depth}, 600, 'metrics: 600 changes wait');
ok($m->{onestop_redis_failures_total} >= 1, 'metrics: failures counted');

$t->start_redis(port => $rport);
my $after = caught_up(30);
is($after, $before + 600, 'caught up after Redis came back');
ok(contiguous(stream(), $before + 1, $before + 600),
    'the stream (new, without persistence) holds all 600, in order');
ok(wait_for('the snapshot again', 10, sub {
    my $v = live('province'); $v && $v->{seq} == $after }),
    'the snapshot is written anew');
ok(wait_for('a snapshot of an agency', 5, sub { live('000.00.15.H36') }),
    'every agency, since Redis had lost the snapshot');

my @said = grep { /is unavailable/ } split /\n/, $t->error_log;
is(scalar @said, 1, 'the outage is logged once, not once per retry')
    or diag(join "\n", @said);
like($t->error_log, qr/publishing changes to Redis at/, 'and the recovery');
# what the recovery says waited: the 600 changes written meanwhile, not
# the store's sequence as it was when Redis went
my ($had, $of) = $t->error_log
    =~ /is back after \d+ s: publishing the changes that waited \(Redis has them up to (\d+) of (\d+)\)/;
is(($of // 0) - ($had // 0), 600,
    'the recovery says the 600 changes that waited')
    or diag(join "\n", grep { /is back after/ } split /\n/, $t->error_log);

# ---------------------------------------------------------------------
# a Redis that accepts the connection and never answers

my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
    LocalPort => $hang, Listen => 16, ReuseAddr => 1, Proto => 'tcp')
    or die "listen: $!";
my $mute = fork() // die "fork: $!";
if ($mute == 0) {
    my @held;
    while (my $c = $listener->accept) { push @held, $c }
    POSIX::_exit(0);
}
close $listener;

$t->write_conf(feed($hang));
$t->reload;

my (@slow, $fails);
for (1 .. 60) {
    my $t1 = time;
    my ($r) = post(rec());
    my $l = $t->get("/api/v1/dossiers/$written[3]{code}");
    my $st = $t->get('/api/v1/stats?under=000.00.30.H36&period=year');
    $fails++ if grep { $_->{status} != 200 } $r, $l, $st;
    push @slow, time - $t1;
    sleep 0.05;
}
ok(!$fails, 'a mute Redis: writes, lookups and statistics all 200');
ok(max(@slow) < 1, sprintf('and fast (slowest write + lookup + stats %.3f s)',
    max(@slow)));
$m = metrics();
is($m->{onestop_redis_connected}, 0, 'metrics: not connected to a mute Redis');
ok($m->{onestop_redis_outbox_depth} >= 60, 'metrics: the writes wait');

kill 'TERM', $mute;
waitpid($mute, 0);

# ---------------------------------------------------------------------
# a reload while publishing loses and doubles nothing

$t->write_conf(feed($rport));
$t->reload;
ok(caught_up(30), 'back on the real Redis, caught up');

# written with the CLI, so that nothing but the feed meets the reloads
# (HTTP writes in flight when an old worker goes are another matter)
my $writer = fork() // die "fork: $!";
if ($writer == 0) {
    my $bad = 0;
    $N += 100_000;          # codes of its own
    for my $i (1 .. 30) {
        my $nd = join '', map { $json->encode(rec(agency => '000.31.01.H36'))
            . "\n" } 1 .. 10;
        my ($rc) = $t->cli('import', '-', \$nd);
        $bad++ if $rc != 0;
    }
    # not exit: the harness's destructor would stop nginx and Redis
    POSIX::_exit($bad ? 1 : 0);
}
for (1 .. 3) {
    sleep 0.4;
    $t->reload;
}
waitpid($writer, 0);
is($?, 0, '30 imports of 10 dossiers across three reloads');

my $end = caught_up(30);
ok($end, "caught up to $end");
$s = stream();
ok(contiguous($s, $before + 1, $end),
    'the stream is contiguous: nothing lost, nothing twice');

# ---------------------------------------------------------------------
# past onestop_outbox_max: a gap entry, then the latest changes

$t->write_conf(feed($rport, 'onestop_outbox_max 50;'));
$t->reload;
ok(caught_up(), 'caught up before the gap');
my $p0 = metrics()->{onestop_redis_published_seq};

$t->stop_redis;
undef $R;
$bad = 0;
for (1 .. 200) {
    my ($r) = post(rec());
    $bad++ if $r->{status} != 200;
    diag("$r->{status} $r->{content}") if $r->{status} != 200 && $bad < 3;
}
ok(!$bad, '200 writes with Redis down');
$t->start_redis(port => $rport);
is(caught_up(30), $p0 + 200, 'caught up');

$s = stream();
is(scalar @$s, 51, 'one gap entry and the latest 50 changes');
is_deeply($s->[0], [$p0 + 150, { seq => $p0 + 150, kind => 'gap',
    agency => 'province', first => $p0 + 1, last => $p0 + 150 }],
    'the gap: first and last seq lost');
ok(contiguous([@$s[1 .. $#$s]], $p0 + 151, $p0 + 200),
    'then the latest changes in order');
like($t->error_log, qr/were dropped from the outbox/, 'the gap is logged');

# ---------------------------------------------------------------------
# a Redis that refuses (OOM): nothing acknowledged, retried, caught up

my $q0 = caught_up();
my $fails0 = metrics()->{onestop_redis_failures_total};
r('CONFIG', 'SET', 'maxmemory', '1');
$bad = 0;
for (1 .. 20) {
    my ($r, $dt) = post(rec());
    $bad++ if $r->{status} != 200 || $dt > 1;
}
ok(!$bad, 'Redis refusing: 20 writes, all 200 and fast');
sleep 0.5;
$m = metrics();
is($m->{onestop_redis_outbox_depth}, 20, 'nothing acknowledged');
ok($m->{onestop_redis_failures_total} > $fails0, 'refusals counted');
my @oom = $t->error_log =~ /refuses changes \(OOM/g;
is(scalar @oom, 1, 'the refusal is logged once');
r('CONFIG', 'SET', 'maxmemory', '0');
is(caught_up(15), $q0 + 20, 'accepted again: caught up by itself');
$s = stream();
ok(contiguous([@$s[-20 .. -1]], $q0 + 1, $q0 + 20), 'in order');

# ---------------------------------------------------------------------
# AUTH and SELECT

r('CONFIG', 'SET', 'requirepass', 'feed-secret');
r('AUTH', 'feed-secret');
$t->write_conf(feed($rport, '', 'password=feed-wrong db=3'));
$t->reload;
post(rec()) for 1 .. 3;
sleep 0.5;
is(metrics()->{onestop_redis_outbox_depth}, 3, 'a wrong password: waits');
like($t->error_log, qr/refuses changes \((WRONGPASS|ERR invalid password)/,
    'the refusal is logged');

$t->write_conf(feed($rport, '', 'password=feed-secret db=3'));
$t->reload;
is(caught_up(15), $q0 + 23, 'the right password: caught up');
r('SELECT', '3');
ok(contiguous(stream(), $q0 + 21, $q0 + 23), 'into database 3');
r('SELECT', '0');
r('CONFIG', 'SET', 'requirepass', '');
unlike($t->error_log, qr/feed-secret|feed-wrong/, 'no password in the log');

# ---------------------------------------------------------------------
# without onestop_redis nothing is published

$t->write_conf(conf(''));
$t->reload;
r('FLUSHALL');
post(rec()) for 1 .. 10;
sleep 1;
is(r('DBSIZE'), 0, 'without onestop_redis: nothing in Redis');
unlike($t->get('/metrics')->{content}, qr/onestop_redis_/,
    'and no publishing state in /metrics');

$t->stop;
$t->stop_redis;

my @codes = map { $_->{code} } @written;
my $log = $t->error_log;
ok(!grep({ index($log, $_) >= 0 } @codes), 'no dossier code in the log');
$t->check_log;

done_testing;
