#!/usr/bin/perl

# Read replicas (issue 14): one Redis, a primary that publishes its log
# (onestop_redis ... log=on) and two followers (onestop_follow) on
# loopback.  10,000 writes with updates that move dossiers between
# agencies, deletes, a catalog change and evaluations; once quiet, each
# follower's lookups (JSON and page), statistics, apology list and
# `onestop status` digest equal the primary's.  A follower killed with
# kill -9 during the writes and restarted catches up; one seeded from a
# backup taken during the writes catches up; Redis stopped for ten
# seconds during the writes and started again: both catch up; the log
# trimmed below a follower's position: "behind", logged at crit, still
# serving; a write to a follower: 503 read_only.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('replica.t did not finish in 180 s') };
alarm 180;

my $json = JSON::PP->new->utf8->canonical;
my $T0 = time;

my $p = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $a = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $b = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $p->start_redis;

my $keys = sha256_hex('replica-admin-key') . " * admin\n";
$_->spew('keys', $keys) for $p, $a, $b;
my %admin = (Authorization => 'Bearer replica-admin-key');

my @serve = qw(lookup lookup_page stats apologies ingest evaluate metrics);
my $fb = "location /api/v1/feedback { onestop_feedback json; }\n"
    . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n"
    . "location /api/v1/changes { onestop_changes; }\n";

$p->write_standard_conf(serve => \@serve, zone => '8m', server => $fb,
    redis => "127.0.0.1:$rport prefix=r interval=100 log=on");
for my $f ($a, $b) {
    $f->write_standard_conf(serve => \@serve, zone => '8m', server => $fb,
        http => "onestop_follow 127.0.0.1:$rport prefix=r;");
}

ok($p->start, 'the primary starts') or BAIL_OUT('no primary');
ok($a->start, 'follower A starts (an empty store)') or BAIL_OUT('no A');

my $res = $p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($res->{status}, 200, 'catalog') or diag($res->{content});

# ---------------------------------------------------------------------

my @agencies = qw(000.30.01.H36 000.30.02.H36 000.00.12.H36 000.31.01.H36);
my (%rec, @codes);

sub rec($i, %over) {
    my $ag = $agencies[$i % @agencies];
    my %r = (
        code => sprintf('000.00.30.H36-240601-%05d', $i),
        version => 1,
        agency => $ag,
        procedure => $ag eq '000.00.12.H36' ? '1.001234' : '1.000894',
        channel => (qw(online direct postal))[$i % 3],
        applicant => { name => 'Nguyễn Văn Bí Mật' },
        contact => { phone => '0912345678' },
        received_at => '2024-06-01',
        due_at => $i % 7 == 0 ? '2024-06-05' : '2024-06-20',
        %over,
    );
    $r{resolved_at} = '2024-06-10' if $i % 3 == 0 && !exists $over{resolved_at};
    return \%r;
}

sub post(@recs) {
    my $r = $p->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(\@recs));
    return $r;
}

my $N = 0;
my $failed = 0;

# n new dossiers in batches of 100
sub write_new($n) {
    while ($n > 0) {
        my $k = $n > 100 ? 100 : $n;
        my @batch = map { rec(++$N) } 1 .. $k;
        my $r = post(@batch);
        if ($r->{status} != 200) { $failed++; diag($r->{content}); }
        $rec{$_->{code}} = $_ for @batch;
        push @codes, map { $_->{code} } @batch;
        $n -= $k;
    }
}

# updates moving dossiers to another agency
sub write_moves($n) {
    my @batch;
    for (1 .. $n) {
        my $c = $codes[int rand @codes];
        my $old = $rec{$c} or next;
        my $to = $agencies[(1 + int rand 3 + (grep { $_ eq $old->{agency} }
            @agencies)) % @agencies];
        $to = $agencies[0] if $to eq $old->{agency};
        my $new = { %$old, version => $old->{version} + 1, agency => $to,
            procedure => $to eq '000.00.12.H36' ? '1.001234' : '1.000894' };
        push @batch, $new;
        $rec{$c} = $new;
    }
    my %seen;
    @batch = grep { !$seen{$_->{code}}++ } @batch;
    my $r = post(@batch);
    if ($r->{status} != 200) { $failed++; diag($r->{content}); }
}

my @deleted;
sub write_delete() {
    my $c = splice(@codes, int rand @codes, 1);
    my $r = $p->http('DELETE', "/api/v1/ingest/dossiers/$c",
        headers => \%admin);
    if ($r->{status} != 200) { $failed++; diag($r->{content}); }
    delete $rec{$c};
    push @deleted, $c;
}

my @evaluated;
sub write_evaluation() {
    for my $c (@codes) {
        next unless $rec{$c}{resolved_at};
        next if grep { $_ eq $c } @evaluated;
        my $r = $p->http('POST', '/api/v1/evaluations', headers => \%admin,
            body => $json->encode({ code => $c,
                answers => { 3 => 2, 7 => 1 } }));
        if ($r->{status} != 201) { $failed++; diag($r->{content}); }
        push @evaluated, $c;
        return;
    }
}

sub metrics($t) {
    my $r = $t->get('/metrics');
    return $r->{status} == 200 ? $r->{content} : '';
}

sub metric($t, $name) {
    my $m = metrics($t);
    return $m =~ /^\Q$name\E (\S+)/m ? $1 : undef;
}

sub status($t) {
    my ($rc, $out) = $t->cli('status');
    return eval { $json->decode($out) } // {};
}

sub wait_for($what, $timeout, $cond) {
    my $t0 = time;
    while (time - $t0 < $timeout) {
        my $v = $cond->();
        return $v if $v;
        sleep 0.1;
    }
    diag("timed out waiting for $what");
    return;
}

# ---------------------------------------------------------------------
# the writes, with the troubles in between

write_new(2000);
write_moves(50);
write_delete() for 1 .. 5;
write_evaluation() for 1 .. 5;

# a follower seeded from a backup taken during the writes (the CLI works
# as the store's owner, nginx's user)
mkdir $b->store;
chown((stat $p->store)[4, 5], $b->store);
my ($rc, $out, $err) = $p->cli('backup', $b->store);
my $bseq = status($b)->{seq} // 0;
ok($bseq > 2000, "the backup holds changes 1 to $bseq");
is($rc, 0, 'a backup of the primary during the writes') or diag($err);
ok($b->start, 'follower B starts from the backup') or BAIL_OUT('no B');

write_new(1500);

# follower A killed with kill -9 during the writes
$a->stop('KILL');
write_new(1500);
write_moves(50);
ok($a->start, 'follower A restarts after kill -9');

# the catalog changes: an agency more
my $cat = $json->decode(Onestop::Test::catalog_json());
push @{ $cat->{agencies} }, { id => '000.31.02.H36',
    name => 'UBND xã Long Thượng', level => 'commune',
    parent => '000.00.31.H36' };
$res = $p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => $json->encode($cat));
is($res->{status}, 200, 'a catalog change') or diag($res->{content});
push @agencies, '000.31.02.H36';

write_new(1000);

# Redis stopped for ten seconds (saving its data, as a Redis with
# persistence would) while the writes go on
$p->redis('SHUTDOWN', 'SAVE');
$p->stop_redis;
my $down = time;
my $during = 0;
while (time - $down < 10) {
    write_new(100);
    write_moves(10);
    write_delete();
    write_evaluation();
    $during += 100;
    sleep 0.5;
}
$p->start_redis(port => $rport);
ok($during > 0, "$during dossiers written while Redis was down");

# questions: asked, one answered and published
my @asked;
for my $i (1 .. 3) {
    my $r = $p->http('POST', '/api/v1/feedback', body => $json->encode({
        kind => 'question', agency => '000.00.12.H36',
        subject => "Câu hỏi số $i", text => 'Mất bao lâu?',
        name => 'Nguyễn Văn An', contact => '0912 345 678' }));
    if ($r->{status} != 201) { $failed++; diag($r->{content}); }
    push @asked, eval { $json->decode($r->{content}) } // {};
}
$res = $p->http('POST', '/api/v1/ingest/feedback/1', headers => \%admin,
    body => $json->encode({ answer => 'Ba ngày làm việc.',
        publish => JSON::PP::true }));
is($res->{status}, 200, 'a question answered and published')
    or diag($res->{content});

write_new(10000 - $N) if $N < 10000;
write_moves(100);
write_delete() for 1 .. 5;
write_evaluation() for 1 .. 5;
is($failed, 0, "$N dossiers and the rest written on the primary");

# ---------------------------------------------------------------------
# once quiet, every follower has the primary's data

my $pseq = wait_for('the primary to publish everything', 30, sub {
    my $s = status($p);
    my $pub = metric($p, 'onestop_log_seq') // 0;
    return $s->{seq} && $pub == $s->{seq} ? $s->{seq} : 0;
});
ok($pseq, "the primary's log holds everything, up to $pseq");

my $pst = status($p);

for my $f ([A => $a], [B => $b]) {
    my ($name, $t) = @$f;
    my $ok = wait_for("follower $name to catch up", 30, sub {
        (metric($t, 'onestop_replica_applied_seq') // 0) == $pseq
    });
    ok($ok, "follower $name caught up to $pseq");
    my $st = status($t);
    is($st->{seq}, $pst->{seq}, "$name: the same sequence");
    is($st->{digest}, $pst->{digest}, "$name: the same digest");
    is($st->{role}, 'follower', "$name: a follower's store");
    like(metrics($t), qr/^onestop_replica_state\{state="following"\} 1$/m,
        "$name: following");

    # lookups, JSON and page
    my @sample = ((@codes)[0 .. 30], (@codes)[-30 .. -1], @deleted[0 .. 3]);
    my $same = 0;
    for my $c (@sample) {
        my $x = $p->get("/api/v1/dossiers/$c");
        my $y = $t->get("/api/v1/dossiers/$c");
        my $xp = $p->get("/tra-cuu?code=$c");
        my $yp = $t->get("/tra-cuu?code=$c");
        $same++ if $x->{status} == $y->{status}
            && $x->{content} eq $y->{content}
            && $xp->{status} == $yp->{status}
            && $xp->{content} eq $yp->{content};
    }
    is($same, scalar @sample, "$name: the same lookups (JSON and page)");

    # the change log (issue 15): the follower writes the primary's entries
    my ($pages, $after, $differ) = (0, 0, 0);
    while (1) {
        my $x = $p->get("/api/v1/changes?after=$after&limit=1000");
        my $y = $t->get("/api/v1/changes?after=$after&limit=1000");
        $differ++ unless $x->{status} == 200 && $y->{status} == 200
            && $x->{content} eq $y->{content};
        my $j = eval { $json->decode($x->{content}) } or last;
        last if $differ || !@{ $j->{entries} };
        ($after, $pages) = ($j->{next}, $pages + 1);
    }
    ok(!$differ && $after == $pseq,
        "$name: the same change log, 1..$after in $pages pages");

    # statistics and the apology list
    my @q = ('/api/v1/stats?period=all', '/api/v1/stats?period=year',
        '/api/v1/stats?under=000.00.30.H36&period=all',
        '/api/v1/stats?under=000.00.31.H36&period=month',
        '/api/v1/apologies?limit=1000', '/api/v1/feedback',
        '/api/v1/feedback/1', "/api/v1/feedback/$asked[1]{id}?token=$asked[1]{token}",
        '/api/v1/stats?subject=feedback&period=all');
    for my $q (@q) {
        my $x = $p->get($q);
        my $y = $t->get($q);
        ok($x->{status} == 200 && $x->{status} == $y->{status}
            && $x->{content} eq $y->{content},
            "$name: the same $q") or diag("$x->{status} $y->{status}");
    }
}

# ---------------------------------------------------------------------
# a write to a follower

$res = $a->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([rec(99999)]));
is($res->{status}, 503, 'a write to a follower: 503');
like($res->{content}, qr/"read_only"/, '... read_only');

# ---------------------------------------------------------------------
# the log trimmed below a follower's position: behind, still serving

$b->stop;
write_new(100);
my $s2 = wait_for('the new writes in the log', 20, sub {
    my $s = status($p);
    my $pub = metric($p, 'onestop_log_seq') // 0;
    return $s->{seq} && $pub == $s->{seq} ? $s->{seq} : 0;
});
$p->redis('XTRIM', 'r:log', 'MAXLEN', '10');
ok($b->start, 'follower B restarts');
ok(wait_for('B to be behind', 10, sub {
    metrics($b) =~ /^onestop_replica_state\{state="behind"\} 1$/m
}), 'B: behind');
like($b->error_log, qr/\[crit\].*onestop backup/, 'B: logged at crit, '
    . 'with what to do');
is($b->get("/api/v1/dossiers/$codes[0]")->{status}, 200,
    'B: still serving');

# A follows on
ok(wait_for('A to follow', 20, sub {
    (metric($a, 'onestop_replica_applied_seq') // 0) == $s2
}), 'A: follows the new writes');

$_->stop for $p, $a, $b;

# onestop_follow takes the connection's parameters only
for my $bad ('maxlen=5', 'log=on', 'log_maxlen=5', 'interval=100',
    'nothing=1')
{
    $b->write_standard_conf(serve => \@serve, zone => '8m',
        http => "onestop_follow 127.0.0.1:$rport prefix=r $bad;");
    my ($rc, $out) = $b->test_conf;
    ok($rc != 0 && $out =~ /invalid parameter "\Q$bad\E"/,
        "onestop_follow refuses $bad");
}
$b->write_standard_conf(serve => \@serve, zone => '8m',
    http => "onestop_follow 127.0.0.1:$rport prefix=r db=0 password=x;");
my ($trc, $tout) = $b->test_conf;
is($trc, 0, 'onestop_follow takes prefix=, db=, password=') or diag($tout);

diag(sprintf('run time %.1f s', time - $T0));

$p->stop_redis;

done_testing();
