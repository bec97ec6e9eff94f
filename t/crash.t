#!/usr/bin/perl

# Durability (SPEC section 5: "a 200 means it is on disk"): write batches
# over HTTP, some at once, kill -9 the master and the workers right after
# the 200s or while batches are in flight, start nginx again on the same
# store; every acknowledged record is there (by lookup and by the CLI),
# and every batch is there whole or not at all.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $BATCHES = 20;     # per round
my $SIZE = 200;       # records per batch
my $WRITERS = 4;      # concurrent senders
my $MAXBATCHES = 400; # the most a round killed in flight may send

# a server that dies must fail this test, not hang it
local $SIG{ALRM} = sub { BAIL_OUT('crash.t did not finish in 300 s') };
alarm 300;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $dir = $t->dir;
$t->spew('keys', sha256_hex('crash-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup ingest)], map_size => '512m',
    location => { ingest => 'client_max_body_size 4m;' });

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my $r = $t->http('POST', '/api/v1/ingest/catalog',
    headers => {Authorization => 'Bearer crash-admin-key'},
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my @agencies = qw(000.00.12.H36 000.00.15.H36 000.30.01.H36 000.30.02.H36
    000.31.01.H36);
my @procedures = qw(1.001234 1.009999 1.000894);

sub record ($code, $version, $k) {
    my $day = 1 + $k % 14;
    my %rec = (
        code => $code,
        version => $version,
        agency => $agencies[$k % @agencies],
        procedure => $procedures[$k % @procedures],
        channel => (qw(direct online postal))[$k % 3],
        applicant => {name => "Nguyễn Văn Số $k"},
        received_at => sprintf('2024-05-%02dT08:00:00+07:00', $day),
        due_at => sprintf('2024-05-%02dT17:00:00+07:00', $day + 10),
    );
    $rec{resolved_at} = sprintf('2024-05-%02dT10:00:00+07:00', $day + 5)
        if $version > 1;
    return \%rec;
}

# the records of round $round, batch $b: [code, version] pairs; round 3
# updates half of round 1's records to version 2 and adds as many new
sub batch ($round, $b) {
    my @recs;
    for my $i (0 .. $SIZE - 1) {
        if ($round == 3 && $i < $SIZE / 2) {
            push @recs, [sprintf('R1-B%02d-%03d', $b, $i), 2];
        } else {
            push @recs, [sprintf('R%d-B%02d-%03d', $round, $b, $i), 1];
        }
    }
    return \@recs;
}

sub body ($recs) {
    my $k = 0;
    return join '', map { $json->encode(record(@$_, $k++)) . "\n" } @$recs;
}

# send batches from $WRITERS children; each notes in its file a batch it
# starts to send ("s B") and one whose 200 it has read ("a B").  Round 1
# sends $BATCHES batches and kills nginx once all are answered; later
# rounds send until nginx is killed, once $kill_after are acknowledged.
# Returns ({batch => 1} acknowledged, {batch => 1} sent, batches in all)
sub round ($round, $kill_after) {
    my $max = defined $kill_after ? $MAXBATCHES : $BATCHES;
    my @pids;
    for my $w (0 .. $WRITERS - 1) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            open(my $log, '>', "$dir/ack-$round-$w") or POSIX::_exit(2);
            my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
            for (my $b = $w; $b < $max; $b += $WRITERS) {
                my $body = body(batch($round, $b));
                syswrite($log, "s $b\n");
                my $res = $ua->request('POST',
                    $t->url('/api/v1/ingest/dossiers'), {
                        headers => {Authorization => 'Bearer crash-admin-key',
                            'Content-Type' => 'application/x-ndjson'},
                        content => $body});
                last if $res->{status} != 200;
                my $a = eval { $json->decode($res->{content}) } // {};
                last if ($a->{accepted} // -1) + ($a->{unchanged} // 0)
                    + ($a->{stale} // 0) != $SIZE;
                syswrite($log, "a $b\n");
            }
            close $log;
            POSIX::_exit(0);    # not exit: the harness would stop nginx
        }
        push @pids, $pid;
    }

    my $acked = sub {
        my $n = 0;
        for my $w (0 .. $WRITERS - 1) {
            $n += () = Onestop::Test::slurp("$dir/ack-$round-$w") =~ /^a /mg;
        }
        return $n;
    };

    if (defined $kill_after) {
        my $deadline = time + 60;
        sleep 0.001 while $acked->() < $kill_after && time < $deadline
            && grep { !waitpid($_, POSIX::WNOHANG()) } @pids;
        $t->stop('KILL');
        waitpid($_, 0) for @pids;
    } else {
        waitpid($_, 0) for @pids;
        $t->stop('KILL');
    }

    my (%ack, %sent);
    for my $w (0 .. $WRITERS - 1) {
        for (split /\n/, Onestop::Test::slurp("$dir/ack-$round-$w")) {
            $ack{$1} = 1 if /^a (\d+)/;
            $sent{$1} = 1 if /^s (\d+)/;
        }
    }
    return (\%ack, \%sent, $max);
}

# the versions stored for codes (0: not there), asked on one connection
# with pipelined requests, 100 at a time; once the server fails to
# answer, no more asking (-599)
my $unanswered = 0;
sub stored (@codes) {
    my @v;
    while (my @part = splice(@codes, 0, 100)) {
        if ($unanswered) { push @v, (-599) x @part; next }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $t->port, Proto => 'tcp', Timeout => 30);
        if (!$s) { $unanswered++; push @v, (-599) x @part; next }
        my $req = join '', map { "GET /api/v1/dossiers/$_ HTTP/1.1\r\n"
            . "Host: localhost\r\n\r\n" } @part;
        $req =~ s/\r\n\r\n$/\r\nConnection: close\r\n\r\n/;
        syswrite($s, $req);
        my $resp = '';
        while (sysread($s, my $buf, 262144)) { $resp .= $buf }
        close $s;
        for my $code (@part) {
            my ($status, $len);
            if ($resp =~ s{\AHTTP/1\.1 (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n}{}) {
                $status = $1;
                ($len) = $2 =~ /^Content-Length:\s*(\d+)/mi;
            }
            if (!defined $status || !defined $len || length $resp < $len) {
                $unanswered++;
                push @v, -599;
                next;
            }
            my $body = substr($resp, 0, $len, '');
            if ($status == 404) { push @v, 0; next }
            if ($status != 200) { push @v, -$status; next }
            my $j = eval { $json->decode($body) } // {};
            push @v, ($j->{code} // '') ne $code ? -1
                : $j->{status} eq 'resolved' ? 2
                : $j->{status} eq 'processing' ? 1 : -1;
        }
    }
    return @v;
}

my %expect;    # code => the version it must have
my @rounds = ([1, undef], [2, 3], [3, $BATCHES / 2]);

for my $rd (@rounds) {
    my ($round, $kill_after) = @$rd;
    my $when = defined $kill_after
        ? "after $kill_after acknowledged batches" : 'after the last 200';
    my ($ack, $sent, $max) = round($round, $kill_after);
    my $inflight = grep { !$ack->{$_} } keys %$sent;
    note("round $round: " . scalar(keys %$ack) . " batches acknowledged,"
        . " $inflight in flight at kill -9 $when");

    if (defined $kill_after) {
        cmp_ok(scalar keys %$ack, '>=', $kill_after,
            "round $round: $kill_after or more batches acknowledged");
    } else {
        is(scalar keys %$ack, $BATCHES,
            "round $round: every batch acknowledged");
    }

    ok($t->start, "round $round: nginx starts again after kill -9 $when")
        or BAIL_OUT('nginx did not start again');

    my (@lost, @torn, @wrong, @ghost);
    for my $b (0 .. $max - 1) {
        my $recs = batch($round, $b);
        if (!$sent->{$b}) {
            # never sent: its first and last records are not there
            my @v = stored(map { $_->[0] } @$recs[0, -1]);
            push @ghost, $b if grep { $v[$_] == $recs->[$_ ? -1 : 0][1] } 0, 1;
            next;
        }
        my @got = stored(map { $_->[0] } @$recs);
        if ($ack->{$b}) {
            $expect{$_->[0]} = $_->[1] for @$recs;
            push @lost, $b if grep { $got[$_] != $recs->[$_][1] } 0 .. $#got;
        } else {
            # not acknowledged: all of it, or none of it
            my $new = grep { $got[$_] == $recs->[$_][1] } 0 .. $#got;
            push @torn, "$b ($new of $SIZE)" if $new != 0 && $new != $SIZE;
            $expect{$_->[0]} = $_->[1] for $new == $SIZE ? @$recs : ();
        }
    }
    is_deeply(\@lost, [], "round $round: every acknowledged batch is there")
        or diag("batches lost: @lost");
    is_deeply(\@torn, [], "round $round: no batch is there in part")
        or diag("batches torn: @torn");
    is_deeply(\@ghost, [], "round $round: no batch that was never sent")
        or diag("batches there unsent: @ghost");

    # what earlier rounds left is still there (every fifth record)
    my $n = 0;
    my @earlier = grep { !($n++ % 5) } sort grep { !/^R$round-/ } keys %expect;
    my @v = stored(@earlier);
    @wrong = map { $earlier[$_] } grep { $v[$_] != $expect{$earlier[$_]} }
        0 .. $#earlier;
    is_deeply(\@wrong, [], "round $round: earlier records intact")
        or diag(scalar(@wrong) . " wrong, e.g. @wrong[0 .. 4]");

    # a write after the restart
    $r = $t->http('POST', '/api/v1/ingest/dossiers',
        headers => {Authorization => 'Bearer crash-admin-key'},
        body => $json->encode(record("AFTER-$round", 1, $round)));
    is($r->{status}, 200, "round $round: a write after the restart")
        or diag($r->{content});
    $expect{"AFTER-$round"} = 1;
}

$t->stop;

# the CLI sees the same: the first and last records of the batches whose
# number ends in 0, 3, 6 or 9
my @codes = sort grep { /-B\d*[0369]-(000|199)$|^AFTER/ } keys %expect;
my @bad;
for my $code (@codes) {
    my ($rc, $out, $err) = $t->cli('get', $code);
    my $j = eval { $json->decode($out) } // {};
    my $v = $rc ? 0 : $j->{status} eq 'resolved' ? 2 : 1;
    push @bad, "$code: $v (want $expect{$code}) $err" if $v != $expect{$code};
}
is_deeply(\@bad, [], 'the CLI finds ' . scalar(@codes) . ' sampled records');

is($unanswered, 0, 'every lookup was answered');
$t->check_log;
alarm 0;

done_testing;
