#!/usr/bin/perl

# Writes while nginx reloads (issue 3: a 200 means on disk; issue 6: a
# reload loses nothing): a worker told to quit while its commit is on
# the thread pool answers its requests before it goes.  Every write gets
# its 200, every acknowledged record is there, no socket is left open.

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use Test::More;

use Onestop::Test;

my $t = Onestop::Test->new(workers => 2, today => '2024-06-15');

$t->spew('keys', sha256_hex('admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup ingest)], map_size => '1g',
    zone => '4m');
ok($t->start, 'nginx with 2 workers');

my %admin = (Authorization => 'Bearer admin-key');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'the catalog');

my $writers = 4;
my $each = 75;
my @kids;

for my $w (1 .. $writers) {
    my $pid = fork() // die "fork: $!";

    if ($pid == 0) {
        # a connection each: a kept-alive idle one is closed by a worker
        # that quits (nginx's graceful shutdown), and a request sent on it
        # just then meets a reset before any server read it; that race is
        # the client's to retry, not what this test is about
        my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
        my $bad = 0;

        for my $i (1 .. $each) {
            my $code = sprintf('RL-%d-%03d', $w, $i);
            my $r = $ua->request('POST', $t->url('/api/v1/ingest/dossiers'), {
                headers => { %admin },
                content => qq({"code":"$code","version":1,)
                    . qq("agency":"000.30.01.H36","procedure":"1.000894",)
                    . qq("channel":"online","applicant":{"name":"Lê Văn Tám"},)
                    . qq("received_at":"2024-06-10","due_at":"2024-06-20"}),
            });
            $bad++ if $r->{status} != 200;
        }

        exit($bad > 255 ? 255 : $bad);
    }

    push @kids, $pid;
}

# reload a few times while they write
for (1 .. 5) {
    select(undef, undef, undef, 0.3);
    $t->reload;
}

my $failed = 0;
for my $pid (@kids) {
    waitpid($pid, 0);
    $failed += $? >> 8;
}

is($failed, 0, 'every write during the reloads got its 200');

my $missing = 0;
for my $w (1 .. $writers) {
    for my $i (1 .. $each) {
        my $code = sprintf('RL-%d-%03d', $w, $i);
        $missing++ if $t->get("/api/v1/dossiers/$code")->{status} != 200;
    }
}

is($missing, 0, 'every acknowledged record is there');

my @left = grep { /open socket .* left in connection/ }
    split /\n/, $t->error_log;
is(scalar(@left), 0, 'no worker went with a request unanswered')
    or diag(join("\n", @left[0 .. ($#left < 4 ? $#left : 4)]));

$t->check_log;
done_testing;
