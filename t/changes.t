#!/usr/bin/perl

# The change log (issue 15, docs/feed.md): with a real Redis and nginx,
# - an entry's record is the public lookup's answer at that version (v1,
#   then v2), in the Redis stream and in GET /api/v1/changes alike;
# - the change log paged from 0 to the end equals the stream, member by
#   member;
# - a consumer group that loses a consumer mid-stream gets every entry
#   exactly once after XAUTOCLAIM;
# - bad after= and limit= are 400s; a log past retention answers 410
#   "gone" (time made to pass with ONESTOP_TODAY);
# - Server-Sent Events resume from Last-Event-ID without a gap or a
#   duplicate across a reload, with heartbeats while nothing happens;
# - no name, phone or e-mail written is in any body the test received.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Resp;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('changes.t did not finish') };
alarm 240;

my $json = JSON::PP->new->utf8->canonical;

# every body this test receives, scanned at the end
my @seen;

my $t = Onestop::Test->new(workers => 2);
my $rport = $t->start_redis;
my $redis = Onestop::Resp->new($rport);
$t->spew('keys', sha256_hex('cl-admin') . " * admin\n");

sub conf (%o) {
    return $t->standard_conf(serve => [qw(lookup ingest evaluate)],
        zone => '8m', redis => "127.0.0.1:$rport prefix=t interval=100",
        server => "location /api/v1/changes { onestop_changes "
            . "heartbeat=1s; }\n", %o);
}

$t->write_conf(conf());
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer cl-admin');

sub get ($path, %h) {
    my $r = $t->get($path, headers => \%h);
    push @seen, $r->{content} // '';
    return $r;
}

sub jget ($path) {
    my $r = get($path);
    return ($r, eval { $json->decode($r->{content}) });
}

sub post ($body) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode($body));
    push @seen, $r->{content} // '';
    return $r;
}

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

my @names = ('Nguyễn Văn Thành Công', 'Trần Thị Bích Ngọc', 'Lê Hoàng Phúc');
my @secret = (@names, '0912 345 678', '0912345678', 'cong.nguyen@example.vn',
    'ngoc.tran@example.vn', '0283 999 111', '0283999111');

my $N = 0;

sub rec (%over) {
    $N++;
    my $i = ($N - 1) % 3;
    return {
        code => sprintf('000.00.30.H36-241201-%04d', $N),
        version => 1,
        agency => '000.30.01.H36',
        procedure => '1.000894',
        channel => 'online',
        applicant => { name => $names[$i] },
        contact => { phone => $i ? '0912 345 678' : '0283 999 111',
                     email => $i == 0 ? 'cong.nguyen@example.vn'
                                      : 'ngoc.tran@example.vn' },
        received_at => '2024-11-25T08:00:00+07:00',
        due_at => '2030-12-20',
        %over,
    };
}

sub caught_up ($seq) {
    for (1 .. 100) {
        my $last = $redis->cmd('XREVRANGE', 't:changes', '+', '-', 'COUNT', 1);
        return 1 if ref $last eq 'ARRAY' && @$last
            && $last->[0][0] eq "$seq-0";
        sleep 0.1;
    }
    return 0;
}

# the entries of the stream, as JSON would have them
sub stream () {
    my $e = Onestop::Resp::entries($redis->cmd('XRANGE', 't:changes', '-',
                                               '+'));
    for my $x (@$e) {
        my $f = $x->[1];
        push @seen, join "\n", values %$f;
        for my $k (keys %$f) {
            $f->{$k} = $k eq 'record' ? $json->decode($f->{$k})
                     : $k eq 'seq' || $k eq 'version' ? $f->{$k} + 0
                     : decode('UTF-8', $f->{$k});
        }
    }
    return $e;
}

# ---------------------------------------------------------------------
# an entry's record is the lookup at that version

my $d = rec(apology => { issued_at => '2024-11-28', new_due_at => '2030-12-30',
    reason => 'Chờ ý kiến của ông Thành Công' });
is(post($d)->{status}, 200, 'v1 written');
my ($lr1, $look1) = jget("/api/v1/dossiers/$d->{code}");
is($lr1->{status}, 200, 'the lookup of v1');

my ($p, $page) = jget('/api/v1/changes?after=0');
is($p->{status}, 200, 'GET /api/v1/changes?after=0') or diag($p->{content});
is($p->{headers}{vary}, 'Accept', 'Vary: Accept (JSON or events)');
is($p->{headers}{'access-control-allow-origin'}, '*', 'CORS');
is(scalar @{ $page->{entries} }, 2, 'two entries: the catalog, v1');
my $e1 = $page->{entries}[1];
is_deeply([@$e1{qw(seq kind agency code version)}],
    [2, 'dossier', '000.30.01.H36', $d->{code}, 1], 'the entry of v1');
like($e1->{ts}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00\z/,
    'ts: RFC 3339, +07:00');
is(substr($e1->{ts}, 0, 10), strftime('%Y-%m-%d', gmtime(time + 7 * 3600)),
    'ts: the commit day in Long An');
is_deeply($e1->{record}, $look1, "v1's record is the lookup's answer");
is($e1->{record}{applicant}{name}, 'Nguyễn V. T. C.', 'the name masked');

my $a2 = { %$d, version => 2, resolved_at => '2024-12-02T10:00:00+07:00' };
is(post($a2)->{status}, 200, 'v2 written');
my ($lr2, $look2) = jget("/api/v1/dossiers/$d->{code}");
($p, $page) = jget('/api/v1/changes?after=2');
is_deeply([map { $_->{seq} } @{ $page->{entries} }], [3], 'after=2: v2');
is_deeply($page->{entries}[0]{record}, $look2,
    "v2's record is the lookup's answer at v2");
isnt($look2->{status}, $look1->{status}, '(and v2 differs from v1)');
is($page->{next}, 3, 'next: the last seq given');
is($page->{oldest}, 1, 'oldest: 1');

ok(caught_up(3), 'Redis has 1..3');
my $s = stream();
is_deeply($s->[1][1]{record}, $look1, "the stream's v1 record: the lookup");
is_deeply($s->[2][1]{record}, $look2, "the stream's v2 record: the lookup");

# ---------------------------------------------------------------------
# more changes of every kind, then the log paged against the stream

for my $i (1 .. 40) {
    my %o = $i % 4 == 0 ? (agency => '000.00.12.H36', procedure => '1.001234')
          : ();
    %o = (%o, resolved_at => '2024-11-30') if $i % 3 == 0;
    is(post(rec(%o))->{status}, 200, "write $i") if $i % 10 == 0;
    post(rec(%o)) if $i % 10;
}
is(post([rec(), rec(), rec()])->{status}, 200, 'a batch of three');
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/000.00.30.H36-241201-0005',
    headers => \%admin);
is($r->{status}, 200, 'a deletion');
$r = $t->http('POST', '/api/v1/evaluations', headers => \%admin,
    body => $json->encode({ code => $d->{code}, answers => { 3 => 2 } }));
is($r->{status}, 201, 'an evaluation') or diag($r->{content});
my ($cj, $from) = (Onestop::Test::catalog_json(), encode('UTF-8', 'Sở Tư pháp'));
$cj =~ s/\Q$from\E/$from - Long An/;
$r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => $cj);
is($r->{status}, 200, 'a catalog change');

my $last = 3 + 40 + 3 + 3;
ok(caught_up($last), "Redis has 1..$last");
$s = stream();

my @log;
my $after = 0;
my $pages = 0;
while (1) {
    my ($pr, $pg) = jget("/api/v1/changes?after=$after&limit=7");
    last unless $pr->{status} == 200 && @{ $pg->{entries} };
    push @log, @{ $pg->{entries} };
    $after = $pg->{next};
    $pages++;
}
is($pages, int(($last + 6) / 7), "paged by 7: $pages pages");
is_deeply([map { $_->{seq} } @log], [1 .. $last], "the log holds 1..$last");
is_deeply(\@log, [map { $_->[1] } @$s],
    'the change log paged from 0 equals the stream, member by member');
is_deeply([map { $_->[0] } @$s], [map { "$_-0" } 1 .. $last],
    'stream ids {seq}-0');

my %kinds;
$kinds{$_->{kind}}++ for @log;
is_deeply(\%kinds, { catalog => 2, dossier => 2 + 40 + 3, delete => 1,
    evaluation => 1 }, 'every kind');
my ($ev) = grep { $_->{kind} eq 'evaluation' } @log;
ok(!exists $ev->{code} && !exists $ev->{record},
    'an evaluation names no dossier');
my ($del) = grep { $_->{kind} eq 'delete' } @log;
ok(!exists $del->{record} && $del->{code}, 'a deletion: its code, no record');

($p, $page) = jget("/api/v1/changes?after=$last");
is_deeply([$p->{status}, $page->{entries}, $page->{next}],
    [200, [], $last], 'past the end: empty, next stays');
($p, $page) = jget('/api/v1/changes?limit=1000');
is(scalar @{ $page->{entries} }, $last, 'without after: from the oldest');
($p, $page) = jget('/api/v1/changes');
is(scalar @{ $page->{entries} }, 100 > $last ? $last : 100,
    'limit: 100 by default');

# ---------------------------------------------------------------------
# a consumer group that loses a consumer mid-stream

is($redis->cmd('XGROUP', 'CREATE', 't:changes', 'g', '0'), 'OK',
    'XGROUP CREATE t:changes g 0');

my %done;               # seq => times processed and acknowledged

sub work ($consumer, $entries, $ack) {
    for my $e (@$entries) {
        next unless $ack->($e);
        $done{$e->[1]{seq}}++;
        $redis->cmd('XACK', 't:changes', 'g', $e->[0]);
    }
}

# c1 takes 10 and dies after acknowledging 6
my $c1 = Onestop::Resp::entries($redis->cmd('XREADGROUP', 'GROUP', 'g', 'c1',
    'COUNT', 10, 'STREAMS', 't:changes', '>')->[0][1]);
is(scalar @$c1, 10, 'c1 reads 10');
my $k = 0;
work('c1', $c1, sub { $k++ < 6 });

# c2 takes the rest, a batch at a time
while (1) {
    my $rep = $redis->cmd('XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', 8,
        'STREAMS', 't:changes', '>');
    last unless ref $rep eq 'ARRAY';
    my $got = Onestop::Resp::entries($rep->[0][1]);
    last unless @$got;
    work('c2', $got, sub { 1 });
}
my $pending = $redis->cmd('XPENDING', 't:changes', 'g');
is($pending->[0], 4, "c1's four unacknowledged entries are pending");

# c2 claims what c1 left (idle 0 ms here; minutes in production)
my $claimed = $redis->cmd('XAUTOCLAIM', 't:changes', 'g', 'c2', 0, '0-0');
my $got = Onestop::Resp::entries($claimed->[1]);
is(scalar @$got, 4, 'XAUTOCLAIM gives c2 the four');
work('c2', $got, sub { 1 });
is($redis->cmd('XPENDING', 't:changes', 'g')->[0], 0, 'nothing pending');
is_deeply([sort { $a <=> $b } keys %done], [1 .. $last],
    'every entry processed');
is(scalar(grep { $_ != 1 } values %done), 0, '... exactly once');

# ---------------------------------------------------------------------
# bad arguments

for my $q ('after=abc', 'after=-1', 'after=1.5', 'after=', 'limit=0',
    'limit=1001', 'limit=x', 'after=1&after=2', 'limit=10&limit=20',
    'after=99999999999999999999')
{
    my ($br, $bj) = jget("/api/v1/changes?$q");
    is($br->{status}, 400, "$q: 400");
    is($bj->{error}{code}, 'bad_request', "$q: bad_request")
        and like($bj->{error}{message}, qr/after|limit/, "$q: says which");
}
($p, $page) = jget('/api/v1/changes?limit=1000');
is($p->{status}, 200, 'limit=1000 is allowed');
is(get('/api/v1/changes', 'Accept' => 'text/event-stream',
       'Last-Event-ID' => 'x')->{status}, 400, 'a bad Last-Event-ID: 400');
$r = $t->http('POST', '/api/v1/changes', body => '');
is($r->{status}, 405, 'POST: 405');

# ---------------------------------------------------------------------
# Server-Sent Events across a reload

sub sse_open ($last_id) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp', Timeout => 5) or die;
    print $s "GET /api/v1/changes HTTP/1.0\r\nHost: x\r\n"
        . "Accept: text/event-stream\r\n"
        . (defined $last_id ? "Last-Event-ID: $last_id\r\n" : '') . "\r\n";
    return { s => $s, buf => '', head => undef };
}

# reads for up to $wait seconds: (events [[id, data]], comments, closed)
sub sse_read ($c, $wait) {
    my (@ev, @comments);
    my $sel = IO::Select->new($c->{s});
    my $end = time + $wait;
    my $closed = 0;
    while (time < $end) {
        last unless $sel->can_read($end - time);
        my $n = sysread($c->{s}, my $chunk, 65536);
        if (!$n) { $closed = 1; last }
        $c->{buf} .= $chunk;
        if (!defined $c->{head} && $c->{buf} =~ s/\A(.*?)\r\n\r\n//s) {
            $c->{head} = $1;
        }
        next unless defined $c->{head};
        while ($c->{buf} =~ s/\A(.*?)\n\n//s) {
            my $block = $1;
            push @seen, $block;
            if ($block =~ /^id: (\d+)\ndata: (.*)\z/s) {
                push @ev, [$1 + 0, $json->decode($2)];
            } elsif ($block =~ /^:/) {
                push @comments, $block;
            }
        }
    }
    return (\@ev, \@comments, $closed);
}

my $c = sse_open(40);
my ($evs, $comments) = sse_read($c, 1.5);
like($c->{head} // '', qr{^HTTP/1\.\d 200.*Content-Type: text/event-stream}s,
    'SSE: 200, text/event-stream');
like($c->{head} // '', qr/Cache-Control: no-cache/, 'SSE: no-cache');
like($c->{head} // '', qr/Vary: Accept/, 'SSE: Vary: Accept');
is_deeply([map { $_->[0] } @$evs], [41 .. $last],
    'Last-Event-ID: 40 resumes at 41');
is_deeply([map { $_->[1] } @$evs], [@log[40 .. $last - 1]],
    'the same entries as the log');
($evs, $comments) = sse_read($c, 1.6);
ok(@$comments && $comments->[0] =~ /^: ?heartbeat/, 'a heartbeat comment')
    or diag(explain($comments));

# writes while the stream runs, and a reload in the middle
my @ids = ();
my $last_id = $last;
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    for (1 .. 30) {
        post(rec());
        sleep 0.05;
    }
    POSIX::_exit(0);
}

my $reloaded = 0;
my $reconnects = 0;
my $deadline = time + 30;
while (time < $deadline) {
    my ($e, undef, $closed) = sse_read($c, 0.3);
    push @ids, map { $_->[0] } @$e;
    $last_id = $ids[-1] if @ids;
    if (!$reloaded && @ids >= 5) {
        $t->reload;                 # waits for the old workers to go
        $reloaded = 1;
    }
    if ($closed) {
        $reconnects++;
        $c = sse_open($last_id);
    }
    last if waitpid($pid, POSIX::WNOHANG()) == $pid && $last_id >= $last + 30
        && $reloaded;
}
waitpid($pid, 0) if kill 0, $pid;
$N += 30;                                   # the child's codes
ok($reloaded, 'nginx reloaded while the stream ran');
cmp_ok($reconnects, '>=', 1, 'the stream ended with the old worker, and '
    . 'the client came back with Last-Event-ID');
is_deeply(\@ids, [$last + 1 .. $last + 30],
    'every change once, in order, across the reload');
$last += 30;

# ---------------------------------------------------------------------
# retention: 40 days later, the log is trimmed by the next write

$t->stop;
my $later = strftime('%Y-%m-%d', gmtime(time + 7 * 3600 + 40 * 86400));
{
    local $ENV{ONESTOP_TODAY} = $later;
    $t->write_conf(conf(), main => "env ONESTOP_TODAY;\n");
    ok($t->start, "nginx starts, today $later");
    is(post(rec())->{status}, 200, 'a write 40 days later');
    $last++;
    my ($gr, $gj) = jget('/api/v1/changes?after=0');
    is($gr->{status}, 410, 'after=0 past retention: 410');
    is($gj->{error}{code}, 'gone', 'error code "gone"');
    like($gj->{error}{message}, qr/no longer holds.*oldest/s,
        'says what to do');
    ($gr, $gj) = jget('/api/v1/changes?after=5');
    is($gr->{status}, 410, 'after=5: 410 too');
    ($gr, $gj) = jget('/api/v1/changes');
    is($gr->{status}, 200, 'without after: 200');
    is($gj->{oldest}, $last + 1, "oldest: past every change trimmed") or diag($gr->{content});
    is(get('/api/v1/changes', 'Accept' => 'text/event-stream',
           'Last-Event-ID' => 3)->{status}, 410, 'SSE from a trimmed id: 410');

    # a reader past the primary's every change (its store restored from
    # an older backup): told, not left waiting while the next changes
    # take the numbers it believes it has read
    my $past = $last + 7;
    ($gr, $gj) = jget("/api/v1/changes?after=$past");
    is($gr->{status}, 410, 'after= past every change of a primary: 410');
    like($gj->{error}{message} // '', qr/restored from an older backup/,
        'says why') or diag($gr->{content});
    is(get('/api/v1/changes', 'Accept' => 'text/event-stream',
           'Last-Event-ID' => $past)->{status}, 410,
        'SSE resumed past every change: 410');
    $t->stop;
}

# onestop_changelog_days 0: no log, and no record in the stream
$t->write_conf(conf(http => "onestop_changelog_days 0;\n"));
ok($t->start, 'onestop_changelog_days 0');
is(post(rec())->{status}, 200, 'a write without a log');
$last++;
my ($nr, $nj) = jget('/api/v1/changes');
is($nr->{status}, 404, 'no change log: 404');
like($nj->{error}{message}, qr/onestop_changelog_days 0/, 'says why');
ok(caught_up($last), 'published');
my $e = stream()->[-1][1];
ok($e->{ts} && !exists $e->{record}, 'the stream entry: ts, no record');

# ---------------------------------------------------------------------
# nothing personal in anything received

my $all = join "\n", map { decode('UTF-8', $_, Encode::FB_DEFAULT) } @seen;
ok(length($all) > 10000, 'bodies received: ' . length($all) . ' characters');
for my $x (@secret, 'Văn Thành', 'Thị Bích', 'Hoàng Phúc', '@example') {
    ok(index($all, $x) < 0, "nowhere: '$x'");
}
like($all, qr/Nguyễn V\. T\. C\./, '(the masked name is there)');

$t->check_log;
$t->stop;
$t->stop_redis;

done_testing();
